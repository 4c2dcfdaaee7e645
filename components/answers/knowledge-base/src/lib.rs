//! The help center's knowledge base: the articles of `kb/` and how they are
//! found.
//!
//! - [`article`]: the article format and the check that fails the build when
//!   a topic misses a language or an article misses a field;
//! - [`analysis`] and [`synonyms`]: how text in each of the nine languages
//!   becomes index terms;
//! - [`search`]: the index (static data) and BM25 retrieval over it;
//! - [`build`]: reading `kb/` and writing the index as Rust source, which the
//!   `answers` build script does, so that no request ever parses an article
//!   (the component never calls it, so it is not in the `.wasm`);
//! - [`eval`]: recall of the retrieval on the evaluation set in `tests/`.

pub mod analysis;
pub mod article;
pub mod build;
pub mod eval;
pub mod search;
pub mod synonyms;
