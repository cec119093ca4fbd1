//! `POST /rest/v1.3/jpphp/partner-keys/new`: resellers create sub-keys.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::JPPHP_V13;
use crate::auth::{AccessToken, Secret};
use crate::client::Client;
use crate::error::Error;
use crate::form::Form;

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

    pub(crate) fn form(&self) -> Result<Form, Error> {
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

/// A new partner key. Its `client_secret` is a [`Secret`]: treat it like the
/// partner secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartnerKey {
    /// The key's ID.
    #[serde(default)]
    pub id: Value,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Allowances.
    #[serde(default)]
    pub allowed_personal_plans: Value,
    /// Allowances.
    #[serde(default)]
    pub allowed_premium_plans: Value,
    /// Allowances.
    #[serde(default)]
    pub allowed_professional_plans: Value,
    /// Notes.
    #[serde(default)]
    pub notes: Value,
    /// The new key's partner ID.
    #[serde(deserialize_with = "crate::api::lenient::string")]
    pub client_id: String,
    /// The new key's secret.
    pub client_secret: Secret,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: crate::response::RawAnswer,
}

impl Client {
    /// Creates a partner sub-key for a bundle.
    pub fn partner_key_new(
        &self,
        token: &AccessToken,
        request: &NewPartnerKey,
    ) -> Result<PartnerKey, Error> {
        let form = request.form()?;
        let json =
            self.post_form_once(&format!("{JPPHP_V13}/partner-keys/new"), Some(token), &form)?;
        self.typed(
            json,
            "the new partner key answer has no client_id and client_secret",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_secret_never_prints() -> Result<(), serde_json::Error> {
        let k: PartnerKey = serde_json::from_str(
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

crate::response::keeps_raw!(PartnerKey);
