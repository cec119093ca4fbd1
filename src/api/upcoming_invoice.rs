//! `GET /wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/stripe/upcoming-invoice`:
//! what a partner key will be invoiced next (reference 5.4). Takes a token
//! a WordPress.com user approved. The reference documents no answer: it is
//! read as one [`Invoice`], everything else kept as it came.

use serde::{Deserialize, Deserializer, Serialize};

use super::invoices::Invoice;
use super::partner_key_path;
use crate::endpoint::{Endpoint, Method, Token};
use crate::error::Error;
use crate::response::{RawAnswer, Reply};

/// The next invoice of one partner key.
///
/// ```
/// use jetpack_partner::{Endpoint, UpcomingInvoice};
/// assert_eq!(
///     UpcomingInvoice::new("1234", "70001").path()?,
///     "/wpcom/v2/jetpack-partners/1234/key/70001/stripe/upcoming-invoice"
/// );
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpcomingInvoice {
    partner_id: String,
    key_id: String,
}

impl UpcomingInvoice {
    /// The next invoice of key `key_id` of partner `partner_id`.
    pub fn new(partner_id: impl Into<String>, key_id: impl Into<String>) -> Self {
        UpcomingInvoice {
            partner_id: partner_id.into(),
            key_id: key_id.into(),
        }
    }
}

impl Endpoint for UpcomingInvoice {
    type Answer = UpcomingInvoiceAnswer;
    const METHOD: Method = Method::Get;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        partner_key_path(&self.partner_id, &self.key_id, "/stripe/upcoming-invoice")
    }

    fn decode(&self, reply: Reply) -> Result<UpcomingInvoiceAnswer, Error> {
        reply.typed("the upcoming invoice answer is not an object")
    }
}

/// The next invoice, as far as it could be read.
#[derive(Clone, Debug, Serialize)]
pub struct UpcomingInvoiceAnswer {
    /// The invoice (its unknown fields in its `extra`).
    #[serde(flatten)]
    pub invoice: Invoice,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

/// The whole object is the invoice.
impl<'de> Deserialize<'de> for UpcomingInvoiceAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(UpcomingInvoiceAnswer {
            invoice: Invoice::deserialize(d)?,
            raw: RawAnswer::default(),
        })
    }
}

crate::response::keeps_raw!(UpcomingInvoiceAnswer);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invoice_object_is_read() -> Result<(), Error> {
        let request = UpcomingInvoice::new("1", "2");
        let body =
            br#"{"id":null,"status":"upcoming","total":700,"next_payment_attempt":"2024-06-01"}"#;
        let answer = request.decode(Reply::decode(200, None, body)?)?;
        assert_eq!(answer.invoice.status.as_deref(), Some("upcoming"));
        assert_eq!(answer.invoice.id, None);
        assert!(answer.invoice.extra.contains_key("next_payment_attempt"));
        assert!(matches!(
            request.decode(Reply::decode(200, None, b"[1]")?),
            Err(Error::UnexpectedResponse(_))
        ));
        Ok(())
    }
}
