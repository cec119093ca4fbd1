//! Reading what the API and the partners' files write loosely: booleans as
//! `true`, `1`, `"yes"`; numbers as strings; `0` or `false` for "none". One
//! rule each, used by the answers, the batch input and the command line.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The one reading of a boolean written as text: `1`, `true`, `yes`, `on`
/// are true; `0`, `false`, `no`, `off` and the empty text are false (any
/// case, surrounding blanks ignored); anything else is no boolean.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// A boolean in an answer: `true`, a number other than 0, or a text
/// [`parse_bool`] reads as true. Anything else is false.
pub(crate) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => parse_bool(&s).unwrap_or(false),
        _ => false,
    })
}

/// A text in an answer: a string, or a number or boolean written as one;
/// `null` and absent are empty.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    })
}

/// An ID that may arrive as a number, a numeric string, `false` or `null`;
/// `0` means none.
pub(crate) mod id {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_u64().filter(|&n| n != 0),
            Value::String(s) => s.trim().parse().ok().filter(|&n| n != 0),
            _ => None,
        })
    }

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(v.unwrap_or(0))
    }
}

/// A count or measure (seconds, percent) that may arrive as a number or a
/// numeric string; `0` is a value, not "none". Anything else is none.
pub(crate) mod count {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f.round() as u64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    }

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_u64(*n),
            None => s.serialize_none(),
        }
    }
}

/// A text that may arrive as a string, a number, `false` or `null`; `0`
/// and the empty text mean none.
pub(crate) mod text {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) if !s.is_empty() && s != "0" => Some(s),
            Value::Number(n) if n.as_u64() != Some(0) => Some(n.to_string()),
            _ => None,
        })
    }

    pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(text) => s.serialize_str(text),
            None => s.serialize_u64(0),
        }
    }
}

/// A text that may be missing: a string, or a number written as one;
/// `null`, absent, and any other kind of value are none.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A whole number that may be missing: a number, or a numeric string;
/// anything else is none.
pub(crate) fn opt_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A count: a number, or a numeric string; anything else is 0.
pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().unwrap_or(0),
        Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    })
}

/// A list whose items are read one by one: an item that is not what `T`
/// reads is left out (the answer's text keeps it), and what is not a list
/// at all is an empty one. For answers whose schema is undocumented.
pub(crate) fn items<T: serde::de::DeserializeOwned>(value: Value) -> Vec<T> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    }
}

/// [`items`] as a field's reader.
pub(crate) fn list<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(items(Value::deserialize(d)?))
}

/// The fields of an answer this version does not know, as the server sent
/// them. `Debug` lists only their names: a new field may hold a secret.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(pub Map<String, Value>);

impl Extra {
    /// Whether the server sent a field of this name.
    pub fn contains_key(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A field's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

/// An answer object read field by field: the object is read once as a map
/// (one reader per deserializer, shared by every answer type), then each
/// known field is taken out of it, and what is left is the [`Extra`].
/// Cheaper in code than a derived reader with a flattened `extra`, and
/// reads the same: an absent field is its default (or an error when it is
/// required), a present one goes through its reader.
pub(crate) struct Fields(Map<String, Value>);

impl Fields {
    /// Reads `T` with `build`, which is compiled once for `T` whatever
    /// the deserializer.
    pub(crate) fn read<'de, D: Deserializer<'de>, T>(
        d: D,
        build: fn(&mut Fields) -> Result<T, serde_json::Error>,
    ) -> Result<T, D::Error> {
        let mut fields = Fields(Map::deserialize(d)?);
        build(&mut fields).map_err(serde::de::Error::custom)
    }

    /// The field `name` through `read`; its default when absent.
    pub(crate) fn get<T: Default>(
        &mut self,
        name: &str,
        read: fn(Value) -> Result<T, serde_json::Error>,
    ) -> Result<T, serde_json::Error> {
        self.0.remove(name).map_or_else(|| Ok(T::default()), read)
    }

    /// The field `name` through `read`; an error when absent.
    pub(crate) fn required<T>(
        &mut self,
        name: &'static str,
        read: fn(Value) -> Result<T, serde_json::Error>,
    ) -> Result<T, serde_json::Error> {
        match self.0.remove(name) {
            Some(value) => read(value),
            None => Err(serde::de::Error::missing_field(name)),
        }
    }

    /// The fields no one took.
    pub(crate) fn rest(&mut self) -> Extra {
        Extra(std::mem::take(&mut self.0))
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_boolean_rule() {
        for yes in ["1", "true", "TRUE", " yes ", "on"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["0", "false", "No", "off", "", "  "] {
            assert_eq!(parse_bool(no), Some(false), "{no:?}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn counts_read_numbers_and_numeric_strings_and_keep_zero() {
        #[derive(Deserialize)]
        struct C {
            #[serde(with = "count")]
            n: Option<u64>,
        }
        let read = |json: &str| serde_json::from_str::<C>(json).ok().and_then(|c| c.n);
        assert_eq!(read(r#"{"n":0}"#), Some(0));
        assert_eq!(read(r#"{"n":"41"}"#), Some(41));
        assert_eq!(read(r#"{"n":40.6}"#), Some(41));
        assert_eq!(read(r#"{"n":-1}"#), None);
        assert_eq!(read(r#"{"n":null}"#), None);
        assert_eq!(read(r#"{"n":"x"}"#), None);
    }

    #[test]
    fn fields_take_what_is_known_and_keep_the_rest() {
        #[derive(Debug)]
        struct A {
            n: u64,
            on: bool,
            extra: Extra,
        }
        impl<'de> Deserialize<'de> for A {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Fields::read(d, |f| {
                    Ok(A {
                        n: f.required("n", count)?,
                        on: f.get("on", boolean)?,
                        extra: f.rest(),
                    })
                })
            }
        }
        let a: A = serde_json::from_str(r#"{"n":"7","new":[1]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((a.n, a.on), (7, false));
        assert!(a.extra.contains_key("new") && !a.extra.contains_key("n"));
        let missing = serde_json::from_str::<A>(r#"{"on":true}"#).map(|a| a.n);
        assert!(missing.is_err_and(|e| e.to_string().contains("missing field `n`")));
        assert!(serde_json::from_str::<A>("[7]").is_err());
    }

    #[test]
    fn extra_fields_print_their_names_only() {
        let extra: Extra =
            serde_json::from_str(r#"{"new_key":"s3cr3t-value"}"#).unwrap_or_default();
        let shown = format!("{extra:?}");
        assert!(
            shown.contains("new_key") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
