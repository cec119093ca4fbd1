//! `GET /rest/v1.3/jpphp/errors[?verbose]`: the API's error catalogue.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::query::Query;
use super::JPPHP_V13;
use crate::endpoint::{Endpoint, Method};
use crate::error::Error;
use crate::lenient::{Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// The API's error catalogue; `verbose` adds each error's cause and
/// solution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrorCatalogue {
    /// Ask for the cause and solution of each error too.
    pub verbose: bool,
}

impl Endpoint for ErrorCatalogue {
    type Answer = ErrorCatalogueAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        let query = Query::new().maybe("verbose", self.verbose.then_some("true"))?;
        Ok(query.after(format_args!("{JPPHP_V13}/errors")))
    }

    fn decode(&self, reply: Reply) -> Result<ErrorCatalogueAnswer, Error> {
        reply.typed("the error catalogue is not the documented object")
    }
}

/// The catalogue: error code to what it means.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ErrorCatalogueAnswer {
    /// Code to description (terse) or to description, cause and solution
    /// (verbose).
    pub errors: BTreeMap<String, ErrorInfo>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for ErrorCatalogueAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ErrorCatalogueAnswer {
                errors: f.get("errors", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

/// One entry of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorInfo {
    /// The terse form: a description.
    Terse(String),
    /// The verbose form.
    Verbose {
        /// What the error means.
        #[serde(default)]
        description: String,
        /// What causes it.
        #[serde(default)]
        cause: String,
        /// What to do about it.
        #[serde(default)]
        solution: String,
    },
}

impl ErrorInfo {
    /// The description, in either form.
    pub fn description(&self) -> &str {
        match self {
            ErrorInfo::Terse(d) | ErrorInfo::Verbose { description: d, .. } => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_decode() -> Result<(), serde_json::Error> {
        let terse: ErrorCatalogueAnswer = serde_json::from_str(r#"{"errors":{"a":"desc a"}}"#)?;
        assert_eq!(terse.errors["a"].description(), "desc a");
        let verbose: ErrorCatalogueAnswer = serde_json::from_str(
            r#"{"errors":{"a":{"description":"d","cause":"c","solution":"s"}}}"#,
        )?;
        assert!(matches!(&verbose.errors["a"], ErrorInfo::Verbose { cause, .. } if cause == "c"));
        Ok(())
    }
}

crate::response::keeps_raw!(ErrorCatalogueAnswer);
