//! The desired state: a CSV or JSON Lines file read by the batch readers,
//! one site per line: `site` (or `siteurl`, `url`, `blog_id`), `plan` (one
//! slug, or several separated by spaces; empty or `none` for nothing from
//! this partner), and for sites to provision `local_user` and any field of
//! `batch provision`.
//!
//! The file is read twice, as a batch input is: once to check every line
//! (and to find a site given twice, naming both lines), then a line at a
//! time. Memory holds the site names, not the lines.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use ring::digest::{Context, SHA256};
use serde_json::{Map, Value};

use super::plan::Want;
use crate::api::provision::Provision;
use crate::batch::{provision_request, Action, Format, Input, PROVISION_FIELDS};
use crate::error::Error;
use crate::site::SiteRef;

/// The fields that name the site, besides `siteurl`.
const NAME_FIELDS: &[&str] = &["site", "url", "blog_id"];

/// Bad lines reported by number; more are only counted.
const BAD_SHOWN: usize = 20;

/// One line of the desired state.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its line number, counting from 1.
    pub line: usize,
    /// The site.
    pub site: SiteRef,
    /// What this partner should have on it.
    pub want: Want,
    /// The line's fields, for its provision requests.
    fields: Map<String, Value>,
}

impl Entry {
    /// The provision request of one product for this site.
    pub fn provision(&self, slug: &str) -> Result<Provision, Error> {
        if let Some(why) = &self.want.cannot_provision {
            return Err(Error::InvalidInput(format!("line {}: {why}", self.line)));
        }
        let mut fields = self.fields.clone();
        fields.insert("plan".into(), Value::String(slug.into()));
        provision_request(&fields)
            .map_err(|why| Error::InvalidInput(format!("line {}: {why}", self.line)))
    }
}

/// What checking the whole file found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Each site (as a reference) and its line.
    pub sites: HashMap<String, usize>,
    /// The number of the last line read.
    pub last_line: usize,
    /// SHA-256 of what the lines say (sites, products, fields), in hex: a
    /// saved plan is applied only to the state it was made from.
    pub digest: String,
}

/// A desired-state file.
pub struct Desired {
    input: Input,
}

impl std::fmt::Debug for Desired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desired").finish_non_exhaustive()
    }
}

impl Desired {
    /// A file (one that cannot be read twice is copied first).
    pub fn open(path: &Path, format: Format) -> Result<Desired, Error> {
        Ok(Desired {
            input: Input::open(path, Action::Reconcile, format)?,
        })
    }

    /// A stream, copied to a private temporary file first.
    pub fn from_reader(reader: impl Read, format: Format) -> Result<Desired, Error> {
        Ok(Desired {
            input: Input::from_reader(reader, Action::Reconcile, format)?,
        })
    }

    /// Reads every line once. A line that cannot be read, and a site given
    /// on two lines (both line numbers said), refuse the whole file: a
    /// site whose desired state is unknown must not be pruned or changed.
    /// A file without sites is refused too.
    pub fn check(&mut self) -> Result<Checked, Error> {
        let mut checked = Checked::default();
        let mut problems = Vec::new();
        let mut problem_count = 0;
        let mut digest = Context::new(&SHA256);
        for record in self.input.records()? {
            let (number, fields) = record?;
            checked.last_line = number;
            let entry = fields.and_then(|f| entry(number, f));
            let failure = match entry {
                Ok(entry) => {
                    digest.update(
                        format!(
                            "{number}\n{}\n{}\n",
                            entry.site,
                            Value::Object(entry.fields.clone())
                        )
                        .as_bytes(),
                    );
                    let site = entry.site.to_string();
                    match checked.sites.get(&site) {
                        Some(first) => Some(format!(
                            "site {site} is also on line {first}: give each site once"
                        )),
                        None => {
                            checked.sites.insert(site, number);
                            None
                        }
                    }
                }
                Err(why) => Some(why),
            };
            if let Some(why) = failure {
                problem_count += 1;
                if problems.len() < BAD_SHOWN {
                    problems.push(format!("line {number}: {why}"));
                }
            }
        }
        if problem_count > 0 {
            let more = problem_count - problems.len();
            let more = if more > 0 {
                format!("\n{more} more bad line(s)")
            } else {
                String::new()
            };
            return Err(Error::InvalidInput(format!(
                "the desired state has {problem_count} bad line(s); nothing was sent:\n{}{more}",
                problems.join("\n")
            )));
        }
        if checked.sites.is_empty() {
            return Err(Error::InvalidInput(
                "the desired state names no sites; nothing was sent (an empty desired state is \
                 never taken as \"nothing anywhere\")"
                    .into(),
            ));
        }
        checked.digest = digest
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(checked)
    }

    /// The lines from the start, one at a time (after [`Desired::check`]).
    pub fn entries(&mut self) -> Result<impl Iterator<Item = Result<Entry, Error>> + '_, Error> {
        Ok(self.input.records()?.map(|record| {
            let (number, fields) = record?;
            fields
                .and_then(|f| entry(number, f))
                .map_err(|why| Error::InvalidInput(format!("line {number}: {why}")))
        }))
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads and checks one line.
fn entry(line: usize, mut fields: Map<String, Value>) -> Result<Entry, String> {
    if let Some(unknown) = fields
        .keys()
        .find(|k| !PROVISION_FIELDS.contains(&k.as_str()) && !NAME_FIELDS.contains(&k.as_str()))
    {
        return Err(format!(
            "unknown field {unknown:?} (the fields are: site, plan, and those of batch provision)"
        ));
    }
    // The site: every field that names it must name the same one.
    let mut site: Option<(SiteRef, String, &str)> = None;
    for key in ["site", "url", "siteurl", "blog_id"] {
        let Some(given) = fields.get(key).and_then(text) else {
            continue;
        };
        let parsed = SiteRef::parse(&given).map_err(|e| format!("{key}: {e}"))?;
        match &site {
            Some((first, _, name)) if *first != parsed => {
                return Err(format!(
                    "{name} and {key} name different sites ({first} and {parsed})"
                ))
            }
            Some(_) => {}
            None => site = Some((parsed, given, key)),
        }
    }
    let Some((site, given, _)) = site else {
        return Err("the site is required: give site (a URL, a domain or a blog ID)".into());
    };
    let products = products(fields.get("plan"))?;
    // The URL a provision sends: siteurl, else the site as given when it
    // is not a blog ID.
    let siteurl = fields
        .get("siteurl")
        .and_then(text)
        .or_else(|| (!matches!(site, SiteRef::BlogId(_))).then_some(given));
    let cannot_provision = if fields.get("local_user").and_then(text).is_none() {
        Some("the line has no local_user to provision with".to_owned())
    } else if siteurl.is_none() {
        Some(
            "the line names the site by blog ID and provisioning needs its URL (give siteurl)"
                .to_owned(),
        )
    } else {
        None
    };
    for key in NAME_FIELDS {
        fields.remove(*key);
    }
    if let Some(url) = siteurl {
        fields.insert("siteurl".into(), Value::String(url));
    }
    let entry = Entry {
        line,
        site,
        want: Want {
            products,
            cannot_provision,
        },
        fields,
    };
    // The provision fields are checked now, not when the first request
    // would go out.
    if let (Some(first), None) = (entry.want.products.first(), &entry.want.cannot_provision) {
        let mut fields = entry.fields.clone();
        fields.insert("plan".into(), Value::String(first.clone()));
        provision_request(&fields)?;
    }
    Ok(entry)
}

/// `plan`: slugs separated by white space; empty, missing or `none` for
/// nothing from this partner.
fn products(plan: Option<&Value>) -> Result<Vec<String>, String> {
    let text = match plan {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("plan is {other}, not slugs")),
    };
    let slugs: Vec<&str> = text.split_whitespace().collect();
    if slugs == ["none"] {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for slug in slugs {
        if slug == "none" {
            return Err("plan \"none\" cannot stand beside products".into());
        }
        let fine = slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !fine {
            return Err(format!("plan {slug:?} is not a product slug"));
        }
        if out.iter().any(|s| s == slug) {
            return Err(format!("plan names {slug} twice"));
        }
        out.push(slug.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(format: Format, text: &str) -> Result<Checked, Error> {
        Desired::from_reader(text.as_bytes(), format).and_then(|mut d| d.check())
    }

    fn entries(format: Format, text: &str) -> Vec<Entry> {
        let mut d = Desired::from_reader(text.as_bytes(), format).unwrap_or_else(|e| panic!("{e}"));
        d.check().unwrap_or_else(|e| panic!("{e}"));
        let all: Result<Vec<Entry>, Error> =
            d.entries().unwrap_or_else(|e| panic!("{e}")).collect();
        all.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn csv_and_json_lines_with_several_products_and_none() {
        let csv = "site,plan,local_user\nhttps://a.test,premium jetpack-scan,admin\nb.test,none,\n1234,,\n";
        let got = entries(Format::Csv, csv);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].site.to_string(), "a.test");
        assert_eq!(got[0].want.products, ["premium", "jetpack-scan"]);
        assert_eq!(got[0].want.cannot_provision, None);
        let p = got[0]
            .provision("jetpack-scan")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.siteurl(), p.plan()), ("https://a.test", "jetpack-scan"));
        assert!(got[1].want.products.is_empty());
        assert!(got[1].want.cannot_provision.is_some());
        assert_eq!(got[2].line, 4);
        let jsonl = "{\"site\":\"c.test\",\"siteurl\":\"https://c.test/\",\"plan\":\"personal\",\"local_user\":\"admin\"}\n\
                     {\"blog_id\":77,\"plan\":\"free\",\"local_user\":\"a\"}\n";
        let got = entries(Format::JsonLines, jsonl);
        assert_eq!(got[0].want.cannot_provision, None);
        assert!(got[1]
            .want
            .cannot_provision
            .as_deref()
            .is_some_and(|w| w.contains("blog ID")));
        assert!(got[1].provision("free").is_err());
    }

    #[test]
    fn a_site_given_twice_names_both_lines() {
        let csv = "site,plan\na.test,free\nb.test,free\nhttps://A.test/,personal\n";
        let e = check(Format::Csv, csv);
        assert!(
            matches!(&e, Err(Error::InvalidInput(m)) if m.contains("line 4: site a.test is also on line 2")),
            "{e:?}"
        );
    }

    #[test]
    fn bad_lines_refuse_the_whole_file_with_their_numbers() {
        let jsonl = "{\"site\":\"a.test\",\"plan\":\"free\"}\n\
                     {\"site\":\"b.test\",\"plan\":\"Free!\"}\n\
                     {\"site\":\"c.test\",\"plan\":\"none free\"}\n\
                     {\"site\":\"d.test\",\"plan\":\"free free\"}\n\
                     {\"site\":\"e.test\",\"colour\":\"red\"}\n\
                     {\"site\":\"f.test\",\"url\":\"g.test\"}\n\
                     {\"plan\":\"free\"}\n\
                     not json\n\
                     {\"site\":\"h.test\",\"plan\":\"free\",\"local_user\":\"a\",\"ssh_pass\":\"x\"}\n\
                     {\"site\":\"i.test\",\"plan\":7}\n";
        let Err(Error::InvalidInput(m)) = check(Format::JsonLines, jsonl) else {
            panic!("accepted");
        };
        for n in 2..=10 {
            assert!(m.contains(&format!("line {n}: ")), "line {n}: {m}");
        }
        assert!(!m.contains("line 1: "), "{m}");
        assert!(m.contains("9 bad line(s)"), "{m}");
        assert!(m.contains("ssh fields need ssh_user"), "{m}");
    }

    #[test]
    fn an_empty_file_is_refused_and_the_digest_follows_the_content() {
        assert!(check(Format::Csv, "site,plan\n").is_err());
        let a = check(Format::Csv, "site,plan\na.test,free\n").map(|c| c.digest);
        let b = check(Format::Csv, "site , plan\r\na.test,free\r\n").map(|c| c.digest);
        let c = check(Format::Csv, "site,plan\na.test,personal\n").map(|c| c.digest);
        let d = check(Format::Csv, "site,plan\n\na.test,free\n").map(|c| c.digest);
        assert!(a.is_ok());
        assert_eq!(
            a.as_ref().ok(),
            b.as_ref().ok(),
            "the same lines, written otherwise"
        );
        assert_ne!(a.as_ref().ok(), c.as_ref().ok(), "another plan");
        assert_ne!(a.ok(), d.ok(), "the same site on another line");
    }
}
