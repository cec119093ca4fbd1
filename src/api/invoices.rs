//! `GET /wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/stripe/invoices`:
//! a partner key's past invoices (reference 5.3). Takes a token a
//! WordPress.com user approved.
//!
//! The reference documents no answer at all. The answer types read what is
//! likely (a list of invoices under `invoices`, Stripe's list object with
//! `data`, or a bare list) and keep everything else as it came: the whole
//! text in `raw`, unknown fields in `extra`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::partner_key_path;
use crate::endpoint::{Endpoint, Method, Token};
use crate::error::Error;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// The past invoices of one partner key.
///
/// ```
/// use jetpack_partner::{Endpoint, Invoices};
/// assert_eq!(
///     Invoices::new("1234", "1234").path()?,
///     "/wpcom/v2/jetpack-partners/1234/key/1234/stripe/invoices"
/// );
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoices {
    partner_id: String,
    key_id: String,
}

impl Invoices {
    /// The invoices of key `key_id` of partner `partner_id`.
    pub fn new(partner_id: impl Into<String>, key_id: impl Into<String>) -> Self {
        Invoices {
            partner_id: partner_id.into(),
            key_id: key_id.into(),
        }
    }
}

impl Endpoint for Invoices {
    type Answer = InvoicesAnswer;
    const METHOD: Method = Method::Get;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        partner_key_path(&self.partner_id, &self.key_id, "/stripe/invoices")
    }

    fn decode(&self, reply: Reply) -> Result<InvoicesAnswer, Error> {
        reply.typed("the invoices answer is neither a list nor an object")
    }
}

/// A key's invoices, as far as they could be read.
#[derive(Clone, Debug, Serialize)]
pub struct InvoicesAnswer {
    /// The invoices found: under `invoices`, under `data` (Stripe's list
    /// object), or the answer itself when it is a list.
    pub invoices: Vec<Invoice>,
    /// The answer's other fields, when it is an object.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

crate::response::keeps_raw!(InvoicesAnswer);

impl<'de> Deserialize<'de> for InvoicesAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (invoices, extra) = match Value::deserialize(d)? {
            list @ Value::Array(_) => (lenient::items(list), Extra::default()),
            Value::Object(mut fields) => {
                let list = fields
                    .remove("invoices")
                    .or_else(|| fields.remove("data"))
                    .unwrap_or(Value::Null);
                (lenient::items(list), Extra(fields))
            }
            _ => return Err(serde::de::Error::custom("neither a list nor an object")),
        };
        Ok(InvoicesAnswer {
            invoices,
            extra,
            raw: RawAnswer::default(),
        })
    }
}

/// One invoice. The reference gives no schema: every field may be
/// missing, and amounts are whatever unit the API uses (the sandbox:
/// cents).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Invoice {
    /// Its ID.
    pub id: Option<String>,
    /// Its state (`paid`, `open`, `upcoming`, …).
    pub status: Option<String>,
    /// Its currency.
    pub currency: Option<String>,
    /// Its total.
    pub total: Option<i64>,
    /// The first day it covers.
    pub period_start: Option<String>,
    /// The last day it covers.
    pub period_end: Option<String>,
    /// What it charges for.
    pub lines: Vec<InvoiceLine>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for Invoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Invoice {
                id: f.get("id", lenient::opt_string)?,
                status: f.get("status", lenient::opt_string)?,
                currency: f.get("currency", lenient::opt_string)?,
                total: f.get("total", lenient::opt_integer)?,
                period_start: f.get("period_start", lenient::opt_string)?,
                period_end: f.get("period_end", lenient::opt_string)?,
                lines: f.get("lines", lenient::list)?,
                extra: f.rest(),
            })
        })
    }
}

/// One line of an [`Invoice`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct InvoiceLine {
    /// The product.
    pub product_id: Option<String>,
    /// How many.
    pub quantity: Option<i64>,
    /// The line's amount.
    pub amount: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for InvoiceLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(InvoiceLine {
                product_id: f.get("product_id", lenient::opt_string)?,
                quantity: f.get("quantity", lenient::opt_integer)?,
                amount: f.get("amount", lenient::opt_integer)?,
                extra: f.rest(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<InvoicesAnswer, Error> {
        Invoices::new("1", "1").decode(Reply::decode(200, None, body.as_bytes())?)
    }

    #[test]
    fn every_likely_shape_is_read() -> Result<(), Error> {
        let ours = read(
            r#"{"invoices":[{"id":"in_1","total":"350","lines":[{"product_id":"personal","quantity":1}]}],"has_more":false}"#,
        )?;
        assert_eq!(ours.invoices[0].total, Some(350));
        assert_eq!(ours.invoices[0].lines[0].quantity, Some(1));
        assert!(ours.extra.contains_key("has_more"));
        let stripe = read(r#"{"object":"list","data":[{"id":"in_2","amount_due":100}]}"#)?;
        assert_eq!(stripe.invoices[0].id.as_deref(), Some("in_2"));
        assert!(stripe.invoices[0].extra.contains_key("amount_due"));
        let bare = read(r#"[{"id":3},"junk"]"#)?;
        assert_eq!(bare.invoices.len(), 1);
        assert_eq!(bare.invoices[0].id.as_deref(), Some("3"));
        assert!(read(r#"{"something":"else"}"#)?.invoices.is_empty());
        assert!(matches!(read("7"), Err(Error::UnexpectedResponse(_))));
        Ok(())
    }
}
