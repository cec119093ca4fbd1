//! Reading a batch: JSON Lines or CSV with a header row, in the API's field
//! names. Every line is checked before anything is sent.

use serde_json::{Map, Value};

use super::csv;
use crate::api::cancel::Cancel;
use crate::api::provision::Provision;
use crate::api::ssh::{FtpCredentials, SshCredentials};
use crate::auth::Secret;
use crate::site::SiteRef;

/// What a batch does to each site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `POST provision` per line.
    Provision,
    /// `POST partner-cancel` per line.
    Cancel,
}

/// How the input is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    JsonLines,
    /// A header row of field names, then one site per row.
    Csv,
}

impl Format {
    /// The format a file name suggests: `.csv` is CSV, everything else JSON
    /// Lines.
    pub fn from_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".csv") {
            Format::Csv
        } else {
            Format::JsonLines
        }
    }
}

/// The work of one input line.
#[derive(Clone, Debug)]
pub enum Job {
    /// A provision request.
    Provision(Box<Provision>),
    /// A cancel request.
    Cancel(Cancel),
}

/// One valid input line.
#[derive(Clone, Debug)]
pub struct Line {
    /// Where it stands in the input, counting from 1.
    pub number: usize,
    /// The site, as a reference (`example.com::blog`, or a blog ID).
    pub site: String,
    /// What to send.
    pub job: Job,
}

/// One input line that cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// Where it stands in the input, counting from 1.
    pub number: usize,
    /// Why it cannot be sent.
    pub message: String,
}

const PROVISION_FIELDS: &[&str] = &[
    "local_user",
    "siteurl",
    "plan",
    "force_register",
    "force_connect",
    "onboarding",
    "wpcom_user_id",
    "wpcom_user_email",
    "partner-tracking-id",
    "partner_tracking_id",
    "ssh_user",
    "ssh_pass",
    "ssh_private_key",
    "ssh_host",
    "ssh_port",
    "ftp_user",
    "ftp_pass",
    "ftp_host",
    "ftp_port",
];

const CANCEL_FIELDS: &[&str] = &[
    "site",
    "siteurl",
    "url",
    "blog_id",
    "plan",
    "cancel-all",
    "cancel_all",
];

/// Reads every line; valid ones become [`Line`]s, the others [`BadLine`]s.
pub fn parse(action: Action, format: Format, text: &str) -> (Vec<Line>, Vec<BadLine>) {
    let rows = match format {
        Format::JsonLines => json_rows(text),
        Format::Csv => csv_rows(text),
    };
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    for row in rows {
        match row
            .and_then(|(number, fields)| line(action, number, &fields).map_err(|m| (number, m)))
        {
            Ok(line) => lines.push(line),
            Err((number, message)) => bad.push(BadLine { number, message }),
        }
    }
    (lines, bad)
}

type Row = Result<(usize, Map<String, Value>), (usize, String)>;

fn json_rows(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| match serde_json::from_str::<Value>(l) {
            Ok(Value::Object(fields)) => Ok((i + 1, fields)),
            Ok(_) => Err((i + 1, "the line is not a JSON object".into())),
            Err(e) => Err((i + 1, format!("the line is not JSON: {e}"))),
        })
        .collect()
}

fn csv_rows(text: &str) -> Vec<Row> {
    let records = match csv::records(text) {
        Ok(records) => records,
        Err(e) => return vec![Err(e)],
    };
    let mut records = records.into_iter();
    let Some((_, header)) = records.next() else {
        return Vec::new();
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    records
        .map(|(number, cells)| {
            if cells.len() != header.len() {
                return Err((
                    number,
                    format!("{} cells for {} columns", cells.len(), header.len()),
                ));
            }
            let fields = header
                .iter()
                .zip(cells)
                .filter(|(_, cell)| !cell.is_empty())
                .map(|(name, cell)| (name.clone(), Value::String(cell)))
                .collect();
            Ok((number, fields))
        })
        .collect()
}

/// Field access that accepts what JSON and CSV give: strings, numbers,
/// booleans.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn flag(&self, name: &str) -> Result<bool, String> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Number(n)) => Ok(n.as_f64().is_some_and(|n| n != 0.0)),
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "" | "0" | "false" | "no" => Ok(false),
                "1" | "true" | "yes" => Ok(true),
                other => Err(format!("{name} is {other:?}, not true or false")),
            },
            Some(other) => Err(format!("{name} is {other}, not true or false")),
        }
    }

    fn number<T: std::str::FromStr>(&self, name: &str, what: &str) -> Result<Option<T>, String> {
        self.text(name)
            .map(|t| t.parse().map_err(|_| format!("{name} {t:?} is not {what}")))
            .transpose()
    }
}

fn line(action: Action, number: usize, fields: &Map<String, Value>) -> Result<Line, String> {
    let known = match action {
        Action::Provision => PROVISION_FIELDS,
        Action::Cancel => CANCEL_FIELDS,
    };
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(format!(
            "unknown field {unknown:?} (the fields are: {})",
            known.join(", ")
        ));
    }
    let f = Fields(fields);
    let (site, job) = match action {
        Action::Provision => provision(&f)?,
        Action::Cancel => cancel(&f)?,
    };
    Ok(Line { number, site, job })
}

fn provision(f: &Fields) -> Result<(String, Job), String> {
    let required = |name| f.text(name).ok_or(format!("{name} is required"));
    let siteurl = required("siteurl")?;
    let site = SiteRef::parse(&siteurl).map_err(|e| e.to_string())?;
    let mut p = Provision::new(required("local_user")?, siteurl, required("plan")?)
        .force_register(f.flag("force_register")?)
        .force_connect(f.flag("force_connect")?)
        .onboarding(f.flag("onboarding")?);
    if let Some(id) = f.number("wpcom_user_id", "a WordPress.com user ID")? {
        p = p.wpcom_user_id(id);
    }
    if let Some(email) = f.text("wpcom_user_email") {
        p = p.wpcom_user_email(email);
    }
    if let Some(id) = f
        .text("partner-tracking-id")
        .or_else(|| f.text("partner_tracking_id"))
    {
        p = p.partner_tracking_id(id);
    }
    if let Some(user) = f.text("ssh_user") {
        let mut ssh = SshCredentials::new(user);
        if let Some(pass) = f.text("ssh_pass") {
            ssh = ssh.ssh_pass(Secret::new(pass));
        }
        if let Some(key) = f.text("ssh_private_key") {
            ssh = ssh.ssh_private_key(Secret::new(key));
        }
        if let Some(host) = f.text("ssh_host") {
            ssh = ssh.ssh_host(host);
        }
        if let Some(port) = f.number("ssh_port", "a port number")? {
            ssh = ssh.ssh_port(port);
        }
        p = p.ssh(ssh);
    } else if ["ssh_pass", "ssh_private_key", "ssh_host", "ssh_port"]
        .iter()
        .any(|k| f.0.contains_key(*k))
    {
        return Err("ssh fields need ssh_user".into());
    }
    if let Some(user) = f.text("ftp_user") {
        let pass = f.text("ftp_pass").ok_or("ftp_user needs ftp_pass")?;
        let mut ftp = FtpCredentials::new(user, Secret::new(pass));
        if let Some(host) = f.text("ftp_host") {
            ftp = ftp.ftp_host(host);
        }
        if let Some(port) = f.number("ftp_port", "a port number")? {
            ftp = ftp.ftp_port(port);
        }
        p = p.ftp(ftp);
    } else if ["ftp_pass", "ftp_host", "ftp_port"]
        .iter()
        .any(|k| f.0.contains_key(*k))
    {
        return Err("ftp fields need ftp_user".into());
    }
    p.validate().map_err(|e| e.to_string())?;
    Ok((site.to_string(), Job::Provision(Box::new(p))))
}

fn cancel(f: &Fields) -> Result<(String, Job), String> {
    let named: Vec<String> = ["site", "siteurl", "url", "blog_id"]
        .iter()
        .filter_map(|k| f.text(k))
        .collect();
    let [given] = named.as_slice() else {
        return Err("give the site once, as site, siteurl, url or blog_id".into());
    };
    let site = SiteRef::parse(given).map_err(|e| e.to_string())?;
    let mut c =
        Cancel::new(site.clone()).cancel_all(f.flag("cancel-all")? || f.flag("cancel_all")?);
    if let Some(plan) = f.text("plan") {
        c = c.plan(plan);
    }
    Ok((site.to_string(), Job::Cancel(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_and_csv_give_the_same_jobs() {
        let jsonl = "{\"local_user\":\"admin\",\"siteurl\":\"https://a.test/wp\",\"plan\":\"personal\",\"force_register\":true}\n\n\
                     {\"local_user\":7,\"siteurl\":\"b.test\",\"plan\":\"free\",\"wpcom_user_id\":\"42\"}\n";
        let csv = "local_user,siteurl,plan,force_register,wpcom_user_id\nadmin,https://a.test/wp,personal,true,\n7,b.test,free,,42\n";
        let (a, bad_a) = parse(Action::Provision, Format::JsonLines, jsonl);
        let (b, bad_b) = parse(Action::Provision, Format::Csv, csv);
        assert!(bad_a.is_empty() && bad_b.is_empty(), "{bad_a:?} {bad_b:?}");
        assert_eq!(
            a.iter()
                .map(|l| (l.number, l.site.clone()))
                .collect::<Vec<_>>(),
            [(1, "a.test::wp".to_owned()), (3, "b.test".into())]
        );
        assert_eq!(
            b.iter().map(|l| l.site.clone()).collect::<Vec<_>>(),
            ["a.test::wp", "b.test"]
        );
        let describe = |l: &Line| match &l.job {
            Job::Provision(p) => p.form().map(|f| f.describe()).unwrap_or_default(),
            Job::Cancel(_) => Vec::new(),
        };
        assert_eq!(describe(&a[0]), describe(&b[0]));
        assert_eq!(describe(&a[1]), describe(&b[1]));
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers() {
        let text = "{\"local_user\":\"a\",\"siteurl\":\"ok.test\",\"plan\":\"free\"}\n\
                    not json\n\
                    [1]\n\
                    {\"siteurl\":\"x.test\",\"plan\":\"free\"}\n\
                    {\"local_user\":\"a\",\"siteurl\":\"x.test?p=1\",\"plan\":\"free\"}\n\
                    {\"local_user\":\"a\",\"siteurl\":\"x.test\",\"plan\":\"free\",\"colour\":\"red\"}\n\
                    {\"local_user\":\"a\",\"siteurl\":\"x.test\",\"plan\":\"free\",\"onboarding\":\"maybe\"}\n\
                    {\"local_user\":\"a\",\"siteurl\":\"x.test\",\"plan\":\"free\",\"ssh_user\":\"u\"}\n";
        let (good, bad) = parse(Action::Provision, Format::JsonLines, text);
        assert_eq!(good.len(), 1);
        let numbers: Vec<usize> = bad.iter().map(|b| b.number).collect();
        assert_eq!(numbers, [2, 3, 4, 5, 6, 7, 8]);
        assert!(
            bad[2].message.contains("local_user is required"),
            "{:?}",
            bad[2]
        );
        assert!(
            bad[4].message.contains("unknown field \"colour\""),
            "{:?}",
            bad[4]
        );
    }

    #[test]
    fn cancel_lines() {
        let csv = "site,plan,cancel-all\nexample.com/blog,,true\n12345,jetpack-scan,\n,,\n";
        let (good, bad) = parse(Action::Cancel, Format::Csv, csv);
        assert_eq!(
            good.iter().map(|l| l.site.clone()).collect::<Vec<_>>(),
            ["example.com::blog", "12345"]
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].number, 4);
    }

    #[test]
    fn a_csv_row_with_the_wrong_width_is_bad() {
        let (good, bad) = parse(Action::Cancel, Format::Csv, "site,plan\na.test\n");
        assert!(good.is_empty());
        assert_eq!(
            bad[0],
            BadLine {
                number: 2,
                message: "1 cells for 2 columns".into()
            }
        );
    }
}
