//! Reading a batch: JSON Lines or CSV with a header row, in the API's field
//! names. Every line is checked before anything is sent.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde_json::{Map, Value};

use super::csv::{Lines, Records};
use crate::api::cancel::Cancel;
use crate::api::partner_redirect::PartnerRedirect;
use crate::api::provision::Provision;
use crate::api::ssh::{FtpCredentials, SshCredentials};
use crate::auth::Secret;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::site::SiteRef;

/// What a batch does to each site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `POST provision` per line.
    Provision,
    /// `POST partner-cancel` per line.
    Cancel,
    /// Only reads, per line: the fleet checks `batch backups` and
    /// `batch scan` ([`super::health`]). A line names a site; the fields of
    /// the other actions' inputs are accepted and ignored, so that the
    /// input of `batch provision` (or its journal) can be read as it is.
    Read,
    /// The apply of a `reconcile` plan ([`crate::reconcile`]): its journal
    /// says so in its header, so that it is never resumed as a batch of
    /// another action. As an input it reads as [`Action::Read`] does.
    Reconcile,
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
#[derive(Debug)]
pub enum Job {
    /// A provision request.
    Provision(Box<Provision>),
    /// A cancel request.
    Cancel(Cancel),
    /// A site to read (and nothing to send that changes anything).
    Read(SiteRef),
}

/// One valid input line.
#[derive(Debug)]
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
    /// The site it names, when it names one that can be read.
    pub site: Option<String>,
    /// Why it cannot be sent.
    pub message: String,
}

pub(crate) const PROVISION_FIELDS: &[&str] = &[
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
    "partner_redirect",
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

/// The fields that name the site of a line (one of them, once).
const SITE_FIELDS: &[&str] = &["site", "siteurl", "url", "blog_id"];

const CANCEL_FIELDS: &[&str] = &[
    "partner-tracking-id",
    "partner_tracking_id",
    "site",
    "siteurl",
    "url",
    "blog_id",
    "plan",
    "cancel-all",
    "cancel_all",
];

/// An input line, read and checked.
#[derive(Debug)]
pub enum Row {
    /// A line to send.
    Good(Line),
    /// A line that cannot be sent.
    Bad(BadLine),
}

/// What a first reading of the whole input found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Input lines (sites), good and bad; blank lines and the CSV header
    /// not counted.
    pub lines: u64,
    /// Lines that cannot be sent.
    pub bad: u64,
    /// The number of the last line read (for CSV, where the last record
    /// starts).
    pub last_line: usize,
}

/// A batch input, read twice: once to check every line before anything is
/// sent, then a line at a time while the batch runs. Memory does not grow
/// with the file.
pub struct Input {
    file: File,
    action: Action,
    format: Format,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("action", &self.action)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// A file that can be read twice. A file that cannot (a pipe, a
    /// terminal) is copied first, as [`Input::from_reader`] does.
    pub fn open(path: &Path, action: Action, format: Format) -> Result<Input, Error> {
        let file = File::open(path)
            .map_err(|e| Error::io(format!("cannot read the batch input {}", path.display()), e))?;
        let regular = file
            .metadata()
            .map_err(|e| Error::io(format!("cannot read the batch input {}", path.display()), e))?
            .is_file();
        if regular {
            return Ok(Input {
                file,
                action,
                format,
            });
        }
        Input::from_reader(file, action, format)
    }

    /// Copies a stream that can be read only once (standard input) into a
    /// private temporary file, removed from the directory at once, so it
    /// can be read twice and leaves nothing behind.
    pub fn from_reader(
        mut reader: impl Read,
        action: Action,
        format: Format,
    ) -> Result<Input, Error> {
        let mut file = spool_file()
            .map_err(|e| Error::io("cannot create a temporary copy of the batch input", e))?;
        io::copy(&mut reader, &mut file)
            .and_then(|_| file.flush())
            .map_err(|e| Error::io("cannot copy the batch input to a temporary file", e))?;
        Ok(Input {
            file,
            action,
            format,
        })
    }

    /// Reads every line once, calling `bad` for each line that cannot be
    /// sent, and counts them. Nothing is kept.
    pub fn check(&mut self, mut bad: impl FnMut(&BadLine)) -> Result<Checked, Error> {
        let mut checked = Checked::default();
        for row in self.rows()? {
            checked.lines += 1;
            match row? {
                Row::Good(line) => checked.last_line = line.number,
                Row::Bad(line) => {
                    checked.bad += 1;
                    checked.last_line = line.number;
                    bad(&line);
                }
            }
        }
        Ok(checked)
    }

    /// The lines from the start, one at a time, as their fields: each
    /// with its line number, or why it cannot be read. Nothing is checked
    /// beyond the format (JSON objects with each key once, CSV rows as
    /// wide as the header), and nothing is skipped; for readers with their
    /// own fields (`reconcile`'s desired state).
    pub(crate) fn records(&mut self) -> Result<FieldRows<'_>, Error> {
        let rows = self.rows()?;
        Ok(FieldRows(rows.source))
    }

    /// The lines from the start, one at a time.
    pub fn rows(&mut self) -> Result<Rows<'_>, Error> {
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io("cannot read the batch input again", e))?;
        let reader = BufReader::new(&self.file);
        let source = match self.format {
            Format::JsonLines => Source::Json(Lines::new(reader)),
            Format::Csv => Source::Csv {
                records: Records::new(reader),
                header: None,
            },
        };
        Ok(Rows {
            source,
            action: self.action,
        })
    }
}

/// The lines of an [`Input`], in order.
pub struct Rows<'a> {
    source: Source<BufReader<&'a File>>,
    action: Action,
}

enum Source<R> {
    Json(Lines<R>),
    Csv {
        records: Records<R>,
        header: Option<Vec<String>>,
    },
}

/// The lines of an [`Input`] as their fields (see [`Input::records`]).
pub(crate) struct FieldRows<'a>(Source<BufReader<&'a File>>);

/// A line's number, and its fields or why they cannot be read.
pub(crate) type LineFields = (usize, Result<Map<String, Value>, String>);

impl Iterator for FieldRows<'_> {
    type Item = Result<LineFields, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        next_fields(&mut self.0)
    }
}

/// The next line of `source` as its fields.
fn next_fields<R: std::io::BufRead>(source: &mut Source<R>) -> Option<Result<LineFields, Error>> {
    let read = |e| Error::io("cannot read the batch input", e);
    loop {
        return match source {
            Source::Json(lines) => match lines.next_line() {
                Err(e) => Some(Err(read(e))),
                Ok(None) => None,
                Ok(Some((number, line))) => Some(Ok((number, line.and_then(|l| json_object(&l))))),
            },
            Source::Csv { records, header } => {
                let (number, cells) = match records.next_record() {
                    Err(e) => return Some(Err(read(e))),
                    Ok(None) => return None,
                    Ok(Some(record)) => record,
                };
                match header {
                    Some(names) => Some(Ok((
                        number,
                        cells.and_then(|cells| csv_fields(names, cells)),
                    ))),
                    None => {
                        match csv_header(number, cells) {
                            Ok(names) => *header = Some(names),
                            Err(e) => return Some(Err(e)),
                        }
                        continue;
                    }
                }
            }
        };
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (number, fields) = match next_fields(&mut self.source)? {
            Ok(read) => read,
            Err(e) => return Some(Err(e)),
        };
        let fields = match fields.and_then(|f| journal_record(self.action, f)) {
            // A journal's header, or a record that is not an `ok` to undo.
            Ok(None) => return self.next(),
            Ok(Some(fields)) => Ok(fields),
            Err(message) => Err(message),
        };
        let site = fields.as_ref().ok().and_then(site_named);
        let row = match fields.and_then(|f| line(self.action, number, &f)) {
            Ok(line) => Row::Good(line),
            Err(message) => Row::Bad(BadLine {
                number,
                site,
                message,
            }),
        };
        Some(Ok(row))
    }
}

/// A line of a batch journal read back as input: the header is skipped
/// (`None`) by either action; for `batch cancel`, a provision's `ok`
/// record becomes a cancel of its site and plan, and every other record is
/// skipped. Anything else is returned as it is.
fn journal_record(
    action: Action,
    fields: Map<String, Value>,
) -> Result<Option<Map<String, Value>>, String> {
    if fields.contains_key("journal") {
        return Ok(None);
    }
    if matches!(action, Action::Read | Action::Reconcile) {
        return Ok(read_record(fields));
    }
    if action != Action::Cancel || !fields.contains_key("outcome") {
        return Ok(Some(fields));
    }
    if fields.get("outcome").and_then(Value::as_str) != Some("ok") {
        return Ok(None);
    }
    let mut cancel = Map::new();
    for key in [
        "site",
        "plan",
        "cancel-all",
        "cancel_all",
        "partner-tracking-id",
    ] {
        if let Some(value) = fields.get(key) {
            cancel.insert(key.to_owned(), value.clone());
        }
    }
    if !cancel.contains_key("plan") && !cancel.contains_key("cancel-all") {
        return Err(
            "this journal record names no plan (it was written by an older version): add \
             \"plan\" or \"cancel-all\":true to the line"
                .into(),
        );
    }
    Ok(Some(cancel))
}

/// For [`Action::Read`]: a record of a batch journal names its site when
/// it is an `ok` one (a provision's `started` record is skipped, so each
/// site comes once), and a record of a fleet check's report names its
/// site; anything else is a line of input as it is.
fn read_record(fields: Map<String, Value>) -> Option<Map<String, Value>> {
    let keep = if fields.contains_key("outcome") {
        fields.get("outcome").and_then(Value::as_str) == Some("ok")
    } else if fields.contains_key("verdict") && fields.contains_key("line") {
        fields.get("site").is_some_and(Value::is_string)
    } else {
        return Some(fields);
    };
    let site = fields.get("site").filter(|_| keep)?.clone();
    Some(Map::from_iter([("site".to_owned(), site)]))
}

/// The site a line names, when it can be read, for the `invalid` record.
fn site_named(fields: &Map<String, Value>) -> Option<String> {
    SITE_FIELDS.iter().find_map(|key| {
        let text = match fields.get(*key)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        SiteRef::parse(&text).ok().map(|site| site.to_string())
    })
}

/// A JSON Lines line: one object, each key once.
fn json_object(line: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<UniqueObject>(line) {
        Ok(UniqueObject(fields)) => Ok(fields),
        Err(e) if e.is_data() => Err(format!(
            "the line is not a JSON object with each key once: {e}"
        )),
        Err(e) => Err(format!("the line is not JSON: {e}")),
    }
}

/// A JSON object that refuses a key given twice (`serde_json` would keep
/// the last, and provision a plan the line did not mean).
pub(crate) struct UniqueObject(pub(crate) Map<String, Value>);

impl<'de> serde::Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueObject, A::Error> {
                let mut fields = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if fields.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!("{key:?} is given twice")));
                    }
                    let value = map.next_value::<Value>()?;
                    fields.insert(key, value);
                }
                Ok(UniqueObject(fields))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// The header row: trimmed names, each once.
fn csv_header(number: usize, cells: Result<Vec<String>, String>) -> Result<Vec<String>, Error> {
    let bad = |why: String| Error::InvalidInput(format!("the CSV header (line {number}) {why}"));
    let names: Vec<String> = cells
        .map_err(|e| bad(format!("cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    for (i, name) in names.iter().enumerate() {
        if name.chars().any(char::is_control) {
            return Err(bad(format!(
                "has a column name with a control character: {name:?}"
            )));
        }
        if !name.is_empty() && names[..i].contains(name) {
            return Err(bad(format!("names the column {name:?} twice")));
        }
    }
    Ok(names)
}

fn csv_fields(header: &[String], cells: Vec<String>) -> Result<Map<String, Value>, String> {
    if cells.len() != header.len() {
        return Err(format!(
            "{} cells for {} columns",
            cells.len(),
            header.len()
        ));
    }
    Ok(header
        .iter()
        .zip(cells)
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(name, cell)| (name.clone(), Value::String(cell)))
        .collect())
}

/// A new private file in the temporary directory, already unlinked.
fn spool_file() -> io::Result<File> {
    let dir = std::env::temp_dir();
    loop {
        let path = dir.join(format!(
            ".jetpack-partner-input-{:032x}",
            crate::random::u128()
        ));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(file) => {
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
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
            Some(Value::String(s)) => crate::lenient::parse_bool(s)
                .ok_or_else(|| format!("{name} is {s:?}, not true or false")),
            Some(other) => Err(format!("{name} is {other}, not true or false")),
        }
    }

    /// The value of the one of `names` (spellings of one field) that is
    /// given; two of them given is an error, not a choice.
    fn one_of(&self, names: &[&str]) -> Result<Option<String>, String> {
        let given: Vec<&&str> = names.iter().filter(|n| self.0.contains_key(**n)).collect();
        match given.as_slice() {
            [] => Ok(None),
            [one] => Ok(self.text(one)),
            _ => Err(format!(
                "{} are the same field; give it once",
                names.join(" and ")
            )),
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
        Action::Read | Action::Reconcile => SITE_FIELDS,
    };
    // A read takes the other inputs' fields too, and ignores them.
    let ignored = |k: &str| {
        matches!(action, Action::Read | Action::Reconcile)
            && (PROVISION_FIELDS.contains(&k) || CANCEL_FIELDS.contains(&k))
    };
    if let Some(unknown) = fields
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !ignored(k))
    {
        return Err(format!(
            "unknown field {unknown:?} (the fields are: {})",
            known.join(", ")
        ));
    }
    let f = Fields(fields);
    let (site, job) = match action {
        Action::Provision => provision(&f)?,
        Action::Cancel => cancel(&f)?,
        Action::Read | Action::Reconcile => {
            let site = one_site(&f)?;
            (site.to_string(), Job::Read(site))
        }
    };
    Ok(Line { number, site, job })
}

/// A provision request from a line's fields, as `batch provision` reads
/// them (`reconcile` builds one per product it provisions).
pub(crate) fn provision_request(fields: &Map<String, Value>) -> Result<Provision, String> {
    match provision(&Fields(fields))? {
        (_, Job::Provision(p)) => Ok(*p),
        _ => Err("not a provision".into()),
    }
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
    if let Some(id) = f.one_of(&["partner-tracking-id", "partner_tracking_id"])? {
        p = p.partner_tracking_id(id);
    }
    if let Some(url) = f.text("partner_redirect") {
        p = p.partner_redirect(PartnerRedirect::parse(&url).map_err(|e| e.to_string())?);
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
    Endpoint::validate(&p).map_err(|e| e.to_string())?;
    Ok((site.to_string(), Job::Provision(Box::new(p))))
}

/// The site a line names: one of [`SITE_FIELDS`], once.
fn one_site(f: &Fields) -> Result<SiteRef, String> {
    let named: Vec<String> = SITE_FIELDS.iter().filter_map(|k| f.text(k)).collect();
    let [given] = named.as_slice() else {
        return Err("give the site once, as site, siteurl, url or blog_id".into());
    };
    SiteRef::parse(given).map_err(|e| e.to_string())
}

fn cancel(f: &Fields) -> Result<(String, Job), String> {
    let site = one_site(f)?;
    f.one_of(&["cancel-all", "cancel_all"])?;
    let mut c =
        Cancel::new(site.clone()).cancel_all(f.flag("cancel-all")? || f.flag("cancel_all")?);
    if let Some(plan) = f.text("plan") {
        c = c.plan(plan);
    }
    if let Some(id) = f.one_of(&["partner-tracking-id", "partner_tracking_id"])? {
        c = c.partner_tracking_id(id);
    }
    Endpoint::validate(&c).map_err(|e| e.to_string())?;
    Ok((site.to_string(), Job::Cancel(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(action: Action, format: Format, text: &str) -> (Vec<Line>, Vec<BadLine>) {
        let mut input =
            Input::from_reader(text.as_bytes(), action, format).unwrap_or_else(|e| panic!("{e}"));
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for row in input.rows().unwrap_or_else(|e| panic!("{e}")) {
            match row.unwrap_or_else(|e| panic!("{e}")) {
                Row::Good(line) => good.push(line),
                Row::Bad(line) => bad.push(line),
            }
        }
        (good, bad)
    }

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
            Job::Cancel(_) | Job::Read(_) => Vec::new(),
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
    fn a_partner_redirect_column_is_checked_and_not_sent() {
        let csv = "local_user,siteurl,plan,partner_redirect\n\
                   a,https://one.test,free,https://panel.example/done\n\
                   a,https://two.test,free,javascript:alert(1)\n\
                   a,https://three.test,free,\n";
        let (good, bad) = parse(Action::Provision, Format::Csv, csv);
        assert_eq!(good.len(), 2);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].number, 3);
        assert!(bad[0].message.contains("partner redirect"), "{:?}", bad[0]);
        let Job::Provision(p) = &good[0].job else {
            panic!("not a provision");
        };
        let names: Vec<String> = p
            .form()
            .map(|f| f.describe().into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        assert!(!names.iter().any(|n| n.contains("redirect")), "{names:?}");
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
    fn read_lines_name_a_site_and_take_the_other_inputs_as_they_are() {
        let csv =
            "\u{feff}local_user,siteurl,plan,ssh_pass\r\nadmin,https://A.test/blog,free,pw\r\n";
        let (good, bad) = parse(Action::Read, Format::Csv, csv);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good[0].site, "a.test::blog");
        assert!(matches!(&good[0].job, Job::Read(SiteRef::Url { .. })));
        let jsonl = "{\"journal\":\"jetpack-partner batch\",\"version\":1,\"action\":\"provision\"}\n\
                     {\"line\":1,\"site\":\"one.test\",\"outcome\":\"started\",\"at\":1}\n\
                     {\"line\":1,\"site\":\"one.test\",\"outcome\":\"ok\",\"plan\":\"free\",\"answer\":{}}\n\
                     {\"line\":2,\"site\":\"two.test\",\"outcome\":\"refused\"}\n\
                     {\"line\":1,\"site\":\"12345\",\"blog_id\":12345,\"verdict\":\"ok\"}\n\
                     {\"line\":2,\"site\":null,\"verdict\":\"error\"}\n\
                     {\"blog_id\":\"777\"}\n\
                     {\"site\":\"x.test\",\"sitee\":\"y.test\"}\n\
                     {\"site\":\"x.test\",\"url\":\"y.test\"}\n";
        let (good, bad) = parse(Action::Read, Format::JsonLines, jsonl);
        assert_eq!(
            good.iter().map(|l| l.site.clone()).collect::<Vec<_>>(),
            ["one.test", "12345", "777"]
        );
        let numbers: Vec<usize> = bad.iter().map(|b| b.number).collect();
        assert_eq!(numbers, [8, 9]);
        assert!(
            bad[0].message.contains("unknown field \"sitee\""),
            "{bad:?}"
        );
        assert!(bad[1].message.contains("give the site once"), "{bad:?}");
    }

    #[test]
    fn a_csv_row_with_the_wrong_width_is_bad() {
        let (good, bad) = parse(Action::Cancel, Format::Csv, "site,plan\na.test\n");
        assert!(good.is_empty());
        assert_eq!(
            bad[0],
            BadLine {
                number: 2,
                site: None,
                message: "1 cells for 2 columns".into()
            }
        );
    }
}
