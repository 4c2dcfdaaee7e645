//! Which ways to reach the team are open to a caller now, and which fits
//! their situation: the region's schedules (from Spin variables), the
//! team's presence, and the recommendation with its reason in the caller's
//! language.
//!
//! `contact` serves this as `GET /api/contact-options`; `cases` asks the
//! same question in-process before it opens a case on a live channel, so a
//! case is opened only by a channel the page was offered, without a second
//! component instance per case.

pub mod channel;
pub mod config;
pub mod options;
pub mod presence;
pub mod recommend;
pub mod schedule;
pub mod texts;
pub mod zones;
