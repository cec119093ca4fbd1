//! `GET /rest/v1.3/jpphp/errors[?verbose]`: the API's error catalogue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::JPPHP_V13;
use crate::auth::AccessToken;
use crate::client::Client;
use crate::error::Error;

/// The catalogue: error code to what it means.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ErrorCatalogue {
    /// Code to description (terse) or to description, cause and solution
    /// (verbose).
    #[serde(default)]
    pub errors: BTreeMap<String, ErrorInfo>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: crate::response::RawAnswer,
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

impl Client {
    /// The error catalogue; `verbose` adds each error's cause and solution.
    pub fn errors(&self, token: &AccessToken, verbose: bool) -> Result<ErrorCatalogue, Error> {
        let query = if verbose { "?verbose=true" } else { "" };
        let json = self.get(&format!("{JPPHP_V13}/errors{query}"), Some(token))?;
        self.typed(json, "the error catalogue is not the documented object")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_decode() -> Result<(), serde_json::Error> {
        let terse: ErrorCatalogue = serde_json::from_str(r#"{"errors":{"a":"desc a"}}"#)?;
        assert_eq!(terse.errors["a"].description(), "desc a");
        let verbose: ErrorCatalogue = serde_json::from_str(
            r#"{"errors":{"a":{"description":"d","cause":"c","solution":"s"}}}"#,
        )?;
        assert!(matches!(&verbose.errors["a"], ErrorInfo::Verbose { cause, .. } if cause == "c"));
        Ok(())
    }
}

crate::response::keeps_raw!(ErrorCatalogue);
