//! A query string for an endpoint's path: names as written, values
//! percent-encoded (only RFC 3986 unreserved characters stay), each value
//! checked to be one line of text.

use std::fmt::Display;

use super::encode_query_value;
use crate::error::Error;

/// `?name=value&…`, built one pair at a time; empty when no pair is added.
#[derive(Debug, Default)]
pub(crate) struct Query {
    text: String,
}

impl Query {
    pub fn new() -> Self {
        Query::default()
    }

    /// Adds `name=value`. A value with a control character is refused.
    pub fn pair(mut self, name: &str, value: impl Display) -> Result<Self, Error> {
        let value = value.to_string();
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return Err(Error::InvalidInput(format!(
                "{name} contains the control character {c:?}; it must be one line of plain text"
            )));
        }
        self.text.push(if self.text.is_empty() { '?' } else { '&' });
        self.text.push_str(name);
        self.text.push('=');
        self.text.push_str(&encode_query_value(&value));
        Ok(self)
    }

    /// Adds `name=value` when there is a value.
    pub fn maybe(self, name: &str, value: Option<impl Display>) -> Result<Self, Error> {
        match value {
            Some(value) => self.pair(name, value),
            None => Ok(self),
        }
    }

    /// Adds `name=value` for each value, as PHP reads a list
    /// (`threat_ids[]=1&threat_ids[]=2`).
    pub fn each<T: Display>(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = T>,
    ) -> Result<Self, Error> {
        for value in values {
            self = self.pair(name, value)?;
        }
        Ok(self)
    }

    /// `path` followed by the query.
    pub fn after(self, path: impl Display) -> String {
        format!("{path}{}", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_joined_and_values_encoded() -> Result<(), Error> {
        assert_eq!(Query::new().after("/a"), "/a");
        let query = Query::new()
            .pair("number", 5)?
            .maybe("after", None::<&str>)?
            .maybe("before", Some("2020-01-02 03:04"))?
            .each("threat_ids[]", [1, 2])?;
        assert_eq!(
            query.after("/a"),
            "/a?number=5&before=2020-01-02%2003%3A04&threat_ids[]=1&threat_ids[]=2"
        );
        Ok(())
    }

    #[test]
    fn a_control_character_is_refused() {
        let refused = Query::new().pair("group", "a\r\nb");
        assert!(matches!(refused, Err(Error::InvalidInput(m)) if m.contains("group")));
    }
}
