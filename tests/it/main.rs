//! The integration tests, one crate: the binary and the library talk over
//! TCP to a real sandbox on 127.0.0.1. One crate links once and runs every
//! test in one pool of threads. Each module is one concern; `common` holds
//! the shared helpers.
#![cfg(all(feature = "cli", feature = "sandbox"))]

mod common;

mod accounts;
mod archive;
mod batch;
mod batch_health;
mod cli_endpoints;
mod cli_help;
mod cli_token;
mod credentials;
mod demo;
mod doctor;
mod error_codes;
mod examples;
mod form_roundtrip;
mod hardening;
mod hostile;
mod login;
mod monitor;
mod reconcile;
mod reporting;
mod retries;
mod rewind_activity;
mod rewind_backups;
mod rewind_restores;
mod sandbox;
mod sandbox_abuse;
mod sandbox_endpoints;
mod sandbox_faults;
mod sandbox_fidelity;
mod scan;
mod scan_sandbox;
mod site_lookup;
mod tls;
mod token_cache;
mod wp_cli;
