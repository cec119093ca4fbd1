//! `POST /rest/v1.3/jpphp/{site}/partner-cancel`: cancel what this partner
//! provisioned for a site.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{form_bool, with_tracking_id, JPPHP_V13};
use crate::endpoint::{Endpoint, Method};
use crate::error::{ApiError, ApiErrorCode, Error};
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::response::{not_documented, RawAnswer, Reply};
use crate::site::SiteRef;

/// A cancel request.
///
/// ```
/// use jetpack_partner::{Cancel, SiteRef};
/// let everything = Cancel::new(SiteRef::parse("example.com/blog")?).cancel_all(true);
/// let backups = Cancel::new(SiteRef::parse("12345")?).plan("jetpack-backup-daily");
/// # let _ = (everything, backups);
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cancel {
    site: SiteRef,
    plan: Option<String>,
    cancel_all: bool,
    partner_tracking_id: Option<String>,
}

impl Cancel {
    /// Cancels the site's plan from this partner.
    pub fn new(site: SiteRef) -> Self {
        Cancel {
            site,
            plan: None,
            cancel_all: false,
            partner_tracking_id: None,
        }
    }

    /// The partner's own ID for the site, sent as the
    /// `partner-tracking-id` query parameter, as provision sends it.
    pub fn partner_tracking_id(mut self, id: impl Into<String>) -> Self {
        self.partner_tracking_id = Some(id.into());
        self
    }

    /// The slug to cancel; required for stand-alone items such as backups.
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }

    /// Cancel everything this partner provisioned for the site.
    pub fn cancel_all(mut self, on: bool) -> Self {
        self.cancel_all = on;
        self
    }

    /// The slug this request cancels, if it names one.
    pub fn plan_slug(&self) -> Option<&str> {
        self.plan.as_deref()
    }

    /// Whether this request cancels everything.
    pub fn is_cancel_all(&self) -> bool {
        self.cancel_all
    }

    /// The site this request cancels for.
    pub fn site(&self) -> &SiteRef {
        &self.site
    }

    fn fields(&self) -> Result<Form, Error> {
        if self.plan.is_some() && self.cancel_all {
            return Err(Error::InvalidInput(
                "plan and cancel-all are alternatives: cancel-all cancels everything this \
                 partner provisioned for the site, plan one product"
                    .into(),
            ));
        }
        let mut form = Form::new();
        if let Some(plan) = &self.plan {
            if plan.trim().is_empty() {
                return Err(Error::InvalidInput("the plan to cancel is empty".into()));
            }
            form.line("plan", plan)?;
        }
        if self.cancel_all {
            form.text("cancel-all", form_bool(true))?;
        }
        Ok(form)
    }
}

/// The answer to a cancel request.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CancelAnswer {
    /// `true` when something was cancelled.
    pub success: bool,
    /// With `cancel-all`: the activations that were cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activations: Option<Vec<Value>>,
    /// With `cancel-all`: the pending activations that were cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_activations: Option<Vec<Value>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for CancelAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(CancelAnswer {
                success: f.get("success", lenient::boolean)?,
                activations: f.get("activations", Deserialize::deserialize)?,
                pending_activations: f.get("pending_activations", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

/// What a cancel request did.
#[derive(Clone, Debug)]
pub enum CancelOutcome {
    /// Something was cancelled.
    Cancelled(CancelAnswer),
    /// The API answered `"success": false`: the site had no such plan from
    /// this partner. Not worth a retry.
    NothingToCancel(CancelAnswer),
}

impl CancelOutcome {
    /// The answer when something was cancelled; else the refusal
    /// `nothing_to_cancel` (HTTP 200), for callers that treat "nothing to
    /// cancel" as a failure of the request for `site`.
    pub fn cancelled(self, site: &SiteRef) -> Result<CancelAnswer, Error> {
        match self {
            CancelOutcome::Cancelled(answer) => Ok(answer),
            CancelOutcome::NothingToCancel(answer) => Err(Error::Api(ApiError {
                status: 200,
                code: ApiErrorCode::NothingToCancel,
                message: format!(
                    "the API answered \"success\": false: site {site} has no such plan from this \
                     partner; nothing was cancelled"
                ),
                body: serde_json::to_value(answer).unwrap_or_default(),
            })),
        }
    }

    /// The answer, whichever the outcome.
    pub fn answer(&self) -> &CancelAnswer {
        match self {
            CancelOutcome::Cancelled(a) | CancelOutcome::NothingToCancel(a) => a,
        }
    }
}

impl Endpoint for Cancel {
    type Answer = CancelOutcome;
    const METHOD: Method = Method::Post;

    fn path(&self) -> Result<String, Error> {
        with_tracking_id(
            format!("{JPPHP_V13}/{}/partner-cancel", self.site),
            self.partner_tracking_id.as_deref(),
        )
    }

    fn form(&self) -> Result<Form, Error> {
        self.fields()
    }

    /// `"success": false` without an error code is
    /// [`CancelOutcome::NothingToCancel`], not an error.
    fn decode(&self, reply: Reply) -> Result<CancelOutcome, Error> {
        if let Some(refusal) = reply
            .refusal()
            .filter(|r| r.code != ApiErrorCode::Unsuccessful)
        {
            return Err(Error::Api(refusal));
        }
        let (json, raw) = reply.into_parts();
        let mut answer: CancelAnswer = serde_json::from_value(json)
            .map_err(|_| not_documented("the cancel answer is not the documented object"))?;
        answer.raw = raw;
        Ok(if answer.success {
            CancelOutcome::Cancelled(answer)
        } else {
            CancelOutcome::NothingToCancel(answer)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields() -> Result<(), Error> {
        let site = SiteRef::parse("x.com")?;
        assert!(Cancel::new(site.clone()).form()?.is_empty());
        let all = Cancel::new(site.clone())
            .cancel_all(true)
            .form()?
            .describe();
        assert_eq!(all, [("cancel-all".to_owned(), "true".to_owned())]);
        assert!(Cancel::new(site.clone())
            .plan("free")
            .cancel_all(true)
            .form()
            .is_err());
        assert!(Cancel::new(site).plan(" ").form().is_err());
        Ok(())
    }
}

crate::response::keeps_raw!(CancelAnswer);
