//! End-to-end tests: the real `salwatch` binary against the sample sites served on 127.0.0.1.
//!
//! One test binary for the whole suite (compiled as the `e2e` test of salwatch-cli). Each test
//! works in its own temporary directory. The expected outcomes come from the planted ground truth
//! of the samples (`samples/ground_truth.json`), so the tests follow the samples as they grow.

// A failed unwrap in a test is a failed test with a line number: exactly what is wanted here.
#![allow(clippy::unwrap_used)]

mod harness;

mod analysis;
mod cli;
mod crawl;
mod evidence;
mod pipeline;
mod rules;
mod search;
mod tor;
mod tornet;
