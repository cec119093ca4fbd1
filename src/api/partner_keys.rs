//! `POST /rest/v1.3/jpphp/partner-keys/new`: resellers create sub-keys.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::JPPHP_V13;
use crate::auth::Secret;
use crate::endpoint::{Endpoint, Method, Repeat};
use crate::error::Error;
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// A request for a new partner key for a bundle.
#[derive(Clone, Debug, Default)]
pub struct NewPartnerKey {
    name: String,
    allowed_personal_plans: u32,
    allowed_premium_plans: u32,
    allowed_professional_plans: u32,
    notes: Option<String>,
}

impl NewPartnerKey {
    /// A key named `name`, allowed no paid plans until set.
    pub fn new(name: impl Into<String>) -> Self {
        NewPartnerKey {
            name: name.into(),
            ..NewPartnerKey::default()
        }
    }

    /// How many personal plans the key may provision.
    pub fn allowed_personal_plans(mut self, n: u32) -> Self {
        self.allowed_personal_plans = n;
        self
    }

    /// How many premium plans the key may provision.
    pub fn allowed_premium_plans(mut self, n: u32) -> Self {
        self.allowed_premium_plans = n;
        self
    }

    /// How many professional plans the key may provision.
    pub fn allowed_professional_plans(mut self, n: u32) -> Self {
        self.allowed_professional_plans = n;
        self
    }

    /// Free-form notes.
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }

    fn fields(&self) -> Result<Form, Error> {
        if self.name.trim().is_empty() {
            return Err(Error::InvalidInput("the new key needs a name".into()));
        }
        let mut form = Form::new();
        form.line("name", &self.name)?
            .text(
                "allowed_personal_plans",
                self.allowed_personal_plans.to_string(),
            )?
            .text(
                "allowed_premium_plans",
                self.allowed_premium_plans.to_string(),
            )?
            .text(
                "allowed_professional_plans",
                self.allowed_professional_plans.to_string(),
            )?;
        if let Some(notes) = &self.notes {
            form.multiline("notes", notes)?;
        }
        Ok(form)
    }
}

impl Endpoint for NewPartnerKey {
    type Answer = PartnerKeyAnswer;
    const METHOD: Method = Method::Post;
    /// A second request would make a second key.
    const REPEAT: Repeat = Repeat::Once;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{JPPHP_V13}/partner-keys/new"))
    }

    fn form(&self) -> Result<Form, Error> {
        self.fields()
    }

    fn decode(&self, reply: Reply) -> Result<PartnerKeyAnswer, Error> {
        reply.typed("the new partner key answer is not the documented object")
    }
}

/// A new partner key. Its `client_secret` is a [`Secret`]: treat it like the
/// partner secret.
#[derive(Debug, Serialize)]
pub struct PartnerKeyAnswer {
    /// The key's ID.
    pub id: Value,
    /// Its name.
    pub name: String,
    /// Allowances.
    pub allowed_personal_plans: Value,
    /// Allowances.
    pub allowed_premium_plans: Value,
    /// Allowances.
    pub allowed_professional_plans: Value,
    /// Notes.
    pub notes: Value,
    /// The new key's partner ID.
    pub client_id: String,
    /// The new key's secret.
    pub client_secret: Secret,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for PartnerKeyAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(PartnerKeyAnswer {
                id: f.get("id", Deserialize::deserialize)?,
                name: f.get("name", Deserialize::deserialize)?,
                allowed_personal_plans: f
                    .get("allowed_personal_plans", Deserialize::deserialize)?,
                allowed_premium_plans: f.get("allowed_premium_plans", Deserialize::deserialize)?,
                allowed_professional_plans: f
                    .get("allowed_professional_plans", Deserialize::deserialize)?,
                notes: f.get("notes", Deserialize::deserialize)?,
                client_id: f.required("client_id", lenient::string)?,
                client_secret: f.required("client_secret", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_secret_never_prints() -> Result<(), serde_json::Error> {
        let k: PartnerKeyAnswer = serde_json::from_str(
            r#"{"id":5,"name":"n","client_id":123,"client_secret":"sub-s3cret"}"#,
        )?;
        assert_eq!(k.client_id, "123");
        assert!(!format!("{k:?}").contains("sub-s3cret"));
        Ok(())
    }

    #[test]
    fn a_name_is_required() {
        assert!(matches!(
            NewPartnerKey::new(" ").form(),
            Err(Error::InvalidInput(_))
        ));
    }
}

crate::response::keeps_raw!(PartnerKeyAnswer);
