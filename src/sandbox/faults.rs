//! Faults on demand, so clients' retries and time-outs can be tested over
//! real TCP: added latency, error pages, rate limiting, and connections
//! that drop, stop short, trickle or hang.
//!
//! The service's own 503 and 429 come as JSON; the proxies in front of it
//! answer 502, 503, 504 and 429 with pages that are not (section 9 of the
//! reference). Both forms are here: `503` and `429` in JSON, `-html` kinds
//! as a proxy's page.
//!
//! Only API requests meet them; `/_sandbox/*` is never delayed or faulted.
//! Each API request rolls the configured kinds in the order given and gets
//! the first that hits, so at most one. The dice are a small xorshift
//! generator: with a seed the sequence is the same on every run, for
//! requests made one after another.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::error::SandboxError;
use super::framing;
use super::front::Front;
use super::reply::{self, Rendered};
use super::state::random_u64;
use super::stop::Stop;

/// A way for the sandbox to misbehave instead of answering normally.
///
/// All but `Truncate` and `Slow` replace the request's handler: the
/// request has no effect (nothing is provisioned, cancelled, issued). `Truncate` and `Slow` run
/// the handler, so its changes are made, and only mangle the answer: they
/// model an answer lost or delayed after the work was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// `500-html`: status 500 with a small HTML error page
    /// (`Content-Type: text/html`).
    ServerErrorHtml,
    /// `502-html`: status 502 with a proxy's "Bad Gateway" HTML page.
    BadGatewayHtml,
    /// `503`: status 503 with the JSON body
    /// `{"error":"service_unavailable","message":"…"}`.
    Unavailable,
    /// `503-html`: status 503 with a proxy's "Service Temporarily
    /// Unavailable" HTML page.
    UnavailableHtml,
    /// `504-html`: status 504 with a proxy's "Gateway Time-out" HTML page,
    /// as when the service behind it did not answer in time.
    GatewayTimeoutHtml,
    /// `429`: status 429, a `Retry-After` header in whole seconds (see
    /// [`retry_after`](super::SandboxBuilder::retry_after)) and the JSON
    /// body `{"error":"rate_limited","message":"…"}`.
    RateLimited,
    /// `429-html`: status 429, the same `Retry-After`, and a proxy's "Too
    /// Many Requests" HTML page.
    RateLimitedHtml,
    /// `reset`: the connection is closed with nothing sent.
    Reset,
    /// `truncate`: the real status and headers, with the full
    /// `Content-Length`, then half the body, then the connection closes.
    Truncate,
    /// `slow`: the real answer, its body sent one byte at a time (see
    /// [`slow_interval`](super::SandboxBuilder::slow_interval)); the
    /// connection closes after it.
    Slow,
    /// `hang`: nothing is ever sent, and the connection stays open until
    /// the client gives up or the sandbox stops.
    Hang,
}

impl Fault {
    /// Every kind, in the order of their names in help texts.
    pub const ALL: [Fault; 11] = [
        Fault::ServerErrorHtml,
        Fault::BadGatewayHtml,
        Fault::Unavailable,
        Fault::UnavailableHtml,
        Fault::GatewayTimeoutHtml,
        Fault::RateLimited,
        Fault::RateLimitedHtml,
        Fault::Reset,
        Fault::Truncate,
        Fault::Slow,
        Fault::Hang,
    ];

    /// The kind's name: `500-html`, `502-html`, `503`, `503-html`,
    /// `504-html`, `429`, `429-html`, `reset`, `truncate`, `slow` or
    /// `hang`, as the `sandbox` command and the stats spell it.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ServerErrorHtml => "500-html",
            Fault::BadGatewayHtml => "502-html",
            Fault::Unavailable => "503",
            Fault::UnavailableHtml => "503-html",
            Fault::GatewayTimeoutHtml => "504-html",
            Fault::RateLimited => "429",
            Fault::RateLimitedHtml => "429-html",
            Fault::Reset => "reset",
            Fault::Truncate => "truncate",
            Fault::Slow => "slow",
            Fault::Hang => "hang",
        }
    }

    /// Whether the fault takes the place of the handler (no effect).
    pub(crate) fn replaces_handler(self) -> bool {
        !matches!(self, Fault::Truncate | Fault::Slow)
    }

    /// The status counted in the stats for a fault that replaces the
    /// handler: the one sent, or 0 when nothing is.
    pub(crate) fn status(self) -> u16 {
        match self {
            Fault::ServerErrorHtml => 500,
            Fault::BadGatewayHtml => 502,
            Fault::Unavailable | Fault::UnavailableHtml => 503,
            Fault::GatewayTimeoutHtml => 504,
            Fault::RateLimited | Fault::RateLimitedHtml => 429,
            Fault::Reset | Fault::Truncate | Fault::Slow | Fault::Hang => 0,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = SandboxError;

    /// Reads a kind's [name](Fault::name).
    fn from_str(name: &str) -> Result<Fault, SandboxError> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                SandboxError::InvalidSetting(format!(
                    "{name:?} is not a fault kind (one of {})",
                    names.join(", ")
                ))
            })
    }
}

/// What the builder collected.
#[derive(Clone, Debug)]
pub(crate) struct FaultPlan {
    /// Kinds and their probabilities, rolled in this order.
    pub kinds: Vec<(Fault, f64)>,
    pub seed: Option<u64>,
    /// API requests let through before any fault.
    pub after: u64,
    pub latency: Duration,
    pub retry_after: Duration,
    /// The pause before each byte of a `slow` body.
    pub slow: Duration,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan {
            kinds: Vec::new(),
            seed: None,
            after: 0,
            latency: Duration::ZERO,
            retry_after: Duration::from_secs(1),
            slow: Duration::from_secs(1),
        }
    }
}

/// The plan in force, and its dice.
#[derive(Debug)]
pub(crate) struct Faults {
    plan: FaultPlan,
    dice: Mutex<Dice>,
}

#[derive(Debug)]
struct Dice {
    rng: XorShift,
    /// API requests seen so far.
    seen: u64,
}

impl Faults {
    pub fn new(plan: FaultPlan) -> Result<Faults, SandboxError> {
        if let Some((fault, rate)) = plan
            .kinds
            .iter()
            .find(|(_, rate)| !(0.0..=1.0).contains(rate))
        {
            return Err(SandboxError::InvalidSetting(format!(
                "the rate of the {fault} fault is {rate}, not between 0 and 1"
            )));
        }
        let seed = plan.seed.unwrap_or_else(random_u64);
        Ok(Faults {
            dice: Mutex::new(Dice {
                rng: XorShift::new(seed),
                seen: 0,
            }),
            plan,
        })
    }

    pub fn latency(&self) -> Duration {
        self.plan.latency
    }

    pub fn slow(&self) -> Duration {
        self.plan.slow
    }

    /// The fault for the next API request, if any.
    pub fn pick(&self) -> Option<Fault> {
        if self.plan.kinds.is_empty() {
            return None;
        }
        let mut dice = self
            .dice
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        dice.seen = dice.seen.saturating_add(1);
        if dice.seen <= self.plan.after {
            return None;
        }
        self.plan
            .kinds
            .iter()
            .find(|(_, rate)| dice.rng.next_f64() < *rate)
            .map(|(fault, _)| *fault)
    }

    /// The answer of a fault that answers in place of the handler: status,
    /// body, headers. `None` for the kinds that send no answer.
    pub fn canned(&self, fault: Fault) -> Option<Rendered> {
        let html = |body: &str| {
            let headers = vec![("Content-Type".into(), "text/html; charset=utf-8".into())];
            (fault.status(), body.as_bytes().to_vec(), headers)
        };
        let json = |code: &str, message: String| {
            let body = json!({"error": code, "message": message}).to_string();
            let headers = vec![("Content-Type".into(), "application/json".into())];
            (fault.status(), body.into_bytes(), headers)
        };
        let d = self.plan.retry_after;
        let seconds = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        let retry_after = |mut answer: Rendered| {
            answer.2.push(("Retry-After".into(), seconds.to_string()));
            answer
        };
        match fault {
            Fault::ServerErrorHtml => Some(html(SERVER_ERROR_PAGE)),
            Fault::BadGatewayHtml => Some(html(BAD_GATEWAY_PAGE)),
            Fault::Unavailable => Some(json(
                "service_unavailable",
                "The service is temporarily unavailable. Try again later.".into(),
            )),
            Fault::UnavailableHtml => Some(html(UNAVAILABLE_PAGE)),
            Fault::GatewayTimeoutHtml => Some(html(GATEWAY_TIMEOUT_PAGE)),
            Fault::RateLimited => Some(retry_after(json(
                "rate_limited",
                format!("Too many requests. Retry after {seconds} seconds."),
            ))),
            Fault::RateLimitedHtml => Some(retry_after(html(TOO_MANY_REQUESTS_PAGE))),
            Fault::Reset | Fault::Truncate | Fault::Slow | Fault::Hang => None,
        }
    }
}

const SERVER_ERROR_PAGE: &str = "<!DOCTYPE html>
<html><head><title>500 Internal Server Error</title></head>
<body><h1>Internal Server Error</h1>
<p>The server encountered an internal error and could not complete your request.</p>
</body></html>
";

const BAD_GATEWAY_PAGE: &str = "<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
";

const UNAVAILABLE_PAGE: &str = "<html>
<head><title>503 Service Temporarily Unavailable</title></head>
<body>
<center><h1>503 Service Temporarily Unavailable</h1></center>
<hr><center>nginx</center>
</body>
</html>
";

const GATEWAY_TIMEOUT_PAGE: &str = "<html>
<head><title>504 Gateway Time-out</title></head>
<body>
<center><h1>504 Gateway Time-out</h1></center>
<hr><center>nginx</center>
</body>
</html>
";

const TOO_MANY_REQUESTS_PAGE: &str = "<html>
<head><title>429 Too Many Requests</title></head>
<body>
<center><h1>429 Too Many Requests</h1></center>
<hr><center>nginx</center>
</body>
</html>
";

/// Answers `rq` with a fault that replaces the handler.
pub(crate) fn replace(faults: &Faults, front: &Front, rq: tiny_http::Request, fault: Fault) {
    if let Some((status, body, headers)) = faults.canned(fault) {
        reply::send(rq, status, body, &headers);
        return;
    }
    let link = rq.remote_addr().and_then(|peer| front.link(*peer));
    // Taking the writer keeps tiny_http from answering on its own.
    let _unused = rq.into_writer();
    match (fault, link) {
        (Fault::Hang, Some(link)) => link.hang(),
        (_, Some(link)) => link.reset(),
        (_, None) => {}
    }
}

/// Sends a handler's answer mangled by `truncate` or `slow`.
pub(crate) fn mangle(
    faults: &Faults,
    front: &Front,
    stop: &Arc<Stop>,
    rq: tiny_http::Request,
    answer: Rendered,
    fault: Fault,
) {
    let (status, body, headers) = answer;
    let link = rq.remote_addr().and_then(|peer| front.link(*peer));
    let _unused = rq.into_writer();
    let Some(link) = link else {
        return;
    };
    let head = framing::head(status, &headers, body.len());
    if fault == Fault::Slow {
        link.trickle(head, body, faults.slow(), stop.clone());
    } else {
        let mut bytes = head;
        bytes.extend_from_slice(&body[..body.len() / 2]);
        link.send_and_close(&bytes);
    }
}

/// xorshift64*: small, fast, and plenty for rolling dice.
#[derive(Debug)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // splitmix64 spreads small seeds over the whole state; the state
        // must not be zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        XorShift(if z == 0 { 0x2545_f491_4f6c_dd1d } else { z })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(kinds: Vec<(Fault, f64)>, seed: u64, after: u64) -> Faults {
        let plan = FaultPlan {
            kinds,
            seed: Some(seed),
            after,
            ..FaultPlan::default()
        };
        Faults::new(plan).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn names_read_back() {
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>().ok(), Some(fault));
        }
        assert!("404".parse::<Fault>().is_err());
    }

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        for rate in [-0.1, 1.5, f64::NAN] {
            let plan = FaultPlan {
                kinds: vec![(Fault::Reset, rate)],
                ..FaultPlan::default()
            };
            assert!(Faults::new(plan).is_err(), "{rate}");
        }
    }

    #[test]
    fn a_seed_fixes_the_sequence_and_rates_hold_roughly() {
        let roll = |seed| {
            let f = faults(vec![(Fault::Unavailable, 0.5)], seed, 0);
            (0..1000).map(|_| f.pick().is_some()).collect::<Vec<_>>()
        };
        let first = roll(7);
        assert_eq!(first, roll(7));
        assert_ne!(first, roll(8));
        let hits = first.iter().filter(|&&hit| hit).count();
        assert!((400..600).contains(&hits), "{hits}");
    }

    #[test]
    fn kinds_roll_in_order_and_the_first_requests_pass() {
        let f = faults(vec![(Fault::Reset, 0.0), (Fault::Hang, 1.0)], 1, 2);
        let picked: Vec<_> = (0..4).map(|_| f.pick()).collect();
        assert_eq!(picked, [None, None, Some(Fault::Hang), Some(Fault::Hang)]);
    }

    #[test]
    fn retry_after_is_rounded_up_to_whole_seconds() {
        let plan = FaultPlan {
            kinds: vec![(Fault::RateLimited, 1.0)],
            retry_after: Duration::from_millis(1500),
            ..FaultPlan::default()
        };
        let f = Faults::new(plan).unwrap_or_else(|e| panic!("{e}"));
        for fault in [Fault::RateLimited, Fault::RateLimitedHtml] {
            let (status, _, headers) = f.canned(fault).unwrap_or_default();
            assert_eq!(status, 429);
            assert!(headers.contains(&("Retry-After".into(), "2".into())));
        }
    }

    #[test]
    fn html_kinds_answer_with_a_page_of_their_status() {
        let f = faults(Vec::new(), 1, 0);
        for fault in Fault::ALL
            .into_iter()
            .filter(|f| f.name().ends_with("-html"))
        {
            let (status, body, headers) = f.canned(fault).unwrap_or_default();
            assert_eq!(status, fault.status(), "{fault}");
            assert!(fault.name().starts_with(&status.to_string()), "{fault}");
            let page = String::from_utf8_lossy(&body);
            assert!(
                page.contains(&format!("<title>{status} ")),
                "{fault}: {page}"
            );
            assert!(
                headers.contains(&("Content-Type".into(), "text/html; charset=utf-8".into())),
                "{fault}"
            );
        }
    }
}
