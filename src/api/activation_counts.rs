//! `GET /wpcom/v2/jetpack-partners/activations?key_id=&scale=`: new and
//! total activations of a key per day, month or year (reference 5.2), the
//! feed of a chart. Takes a token a WordPress.com user approved.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use super::query::Query;
use super::JETPACK_PARTNERS;
use crate::endpoint::{Endpoint, Method, Token};
use crate::error::Error;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// The length of a period of [`ActivationCounts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// `day`
    Day,
    /// `month` (the API's default)
    Month,
    /// `year`
    Year,
}

impl Scale {
    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Day => "day",
            Scale::Month => "month",
            Scale::Year => "year",
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scale {
    type Err = Error;

    fn from_str(text: &str) -> Result<Scale, Error> {
        match text {
            "day" => Ok(Scale::Day),
            "month" => Ok(Scale::Month),
            "year" => Ok(Scale::Year),
            other => Err(Error::InvalidInput(format!(
                "the scale {other:?} is not day, month or year"
            ))),
        }
    }
}

/// Activations of one key, counted per period.
///
/// ```
/// use jetpack_partner::{ActivationCounts, Endpoint, Scale};
/// let request = ActivationCounts::new("1234").scale(Scale::Day);
/// assert_eq!(request.path()?, "/wpcom/v2/jetpack-partners/activations?key_id=1234&scale=day");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationCounts {
    key_id: String,
    scale: Option<Scale>,
}

impl ActivationCounts {
    /// The counts of key `key_id`, per month unless [`scale`](Self::scale)
    /// says otherwise.
    pub fn new(key_id: impl Into<String>) -> Self {
        ActivationCounts {
            key_id: key_id.into(),
            scale: None,
        }
    }

    /// Count per day, month or year.
    pub fn scale(mut self, scale: Scale) -> Self {
        self.scale = Some(scale);
        self
    }
}

impl Endpoint for ActivationCounts {
    type Answer = ActivationCountsAnswer;
    const METHOD: Method = Method::Get;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        if self.key_id.trim().is_empty() {
            return Err(Error::InvalidInput("the key ID is empty".into()));
        }
        Ok(Query::new()
            .pair("key_id", &self.key_id)?
            .maybe("scale", self.scale)?
            .after(format!("{JETPACK_PARTNERS}/activations")))
    }

    fn decode(&self, reply: Reply) -> Result<ActivationCountsAnswer, Error> {
        if !reply.json().is_array() {
            return Err(crate::response::not_documented(
                "the activation counts answer is not a list of periods",
            ));
        }
        reply.typed("the activation counts answer is not a list of periods")
    }
}

/// The periods, oldest first as the API sends them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActivationCountsAnswer {
    /// One entry per period.
    #[serde(deserialize_with = "lenient::list")]
    pub periods: Vec<ActivationCount>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

crate::response::keeps_raw!(ActivationCountsAnswer);

/// One period's activations.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ActivationCount {
    /// The period, as the API names it.
    pub date: String,
    /// Activations made in the period.
    pub new: u64,
    /// Activations up to the period's end.
    pub total: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for ActivationCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ActivationCount {
                date: f.get("date", lenient::string)?,
                new: f.get("new", lenient::count)?,
                total: f.get("total", lenient::count)?,
                extra: f.rest(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_and_the_answer() -> Result<(), Error> {
        assert_eq!(
            ActivationCounts::new("a b").path()?,
            "/wpcom/v2/jetpack-partners/activations?key_id=a%20b"
        );
        assert!(ActivationCounts::new(" ").validate().is_err());
        assert!("week".parse::<Scale>().is_err());
        let request = ActivationCounts::new("1");
        let body = br#"[{"date":"2024-05-01","new":"2","total":5,"label":"May"}]"#;
        let answer = request.decode(Reply::decode(200, None, body)?)?;
        assert_eq!(answer.periods.len(), 1);
        assert_eq!((answer.periods[0].new, answer.periods[0].total), (2, 5));
        assert!(answer.periods[0].extra.contains_key("label"));
        assert_eq!(
            answer.raw.get(),
            Some(std::str::from_utf8(body).unwrap_or(""))
        );
        let object = Reply::decode(200, None, br#"{"date":"x"}"#)?;
        assert!(matches!(
            request.decode(object),
            Err(Error::UnexpectedResponse(_))
        ));
        Ok(())
    }
}
