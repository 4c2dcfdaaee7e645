//! The index and its search: BM25F-style scoring over two fields, per
//! language, with synonyms and one- or two-letter misspellings.
//!
//! The fields are the article's *head* (title and tags: what it is about)
//! and its *body*. Each has its own document frequencies: nearly every
//! article tells the buyer to "message the seller", so in the body those
//! words say little, while in a head they name the one article about it.
//!
//! The index is static data (the `answers` build script writes it as Rust
//! source), so a request only analyses the question and reads the postings of
//! its terms: no document is scanned, however many there are.
//!
//! Terms and synonyms are found through hash tables built with the index
//! ([`key_slots`]), not by binary search: a request meets the index cold in
//! the CPU's caches, and a binary search over ten thousand terms reads
//! fourteen of them, each on cache lines of its own (see the README's
//! benchmarks).

use crate::analysis::{analyze, fold, normalise, stemmer};
use crate::article::LANGUAGES;

/// BM25's usual constants.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// How much more a match in the head counts than one in the body.
const HEAD_WEIGHT: f32 = 3.0;

/// A question's word, counted once however many of its forms match.
const EXACT: f32 = 1.0;
const SYNONYM: f32 = 0.8;
const MISSPELLING: f32 = 0.6;

#[derive(Debug)]
pub struct Index {
    /// Topic ids; documents point into this list.
    /// Sorted.
    pub topics: &'static [&'static str],
    /// Sorted by topic, then language.
    pub docs: &'static [Doc],
    /// Sorted by `key`, `<lang>:<term>`.
    pub terms: &'static [Term],
    /// [`key_slots`] of `terms`.
    pub term_slots: &'static [u32],
    /// Sorted by `key`, `<lang>:<word>`.
    pub synonyms: &'static [SynonymTerms],
    /// [`key_slots`] of `synonyms`.
    pub synonym_slots: &'static [u32],
    /// Per language, in [`LANGUAGES`] order: how many documents.
    pub docs_per_lang: [u32; 9],
}

/// One article.
#[derive(Debug)]
pub struct Doc {
    pub topic: u32,
    pub lang: &'static str,
    pub title: &'static str,
    pub updated: &'static str,
    /// The text before the first heading, as answers quote it (no `**`).
    pub intro: &'static str,
    pub sections: &'static [Section],
}

#[derive(Debug)]
pub struct Section {
    /// Heading and text as answers quote them (no `**`).
    pub heading: &'static str,
    pub text: &'static str,
    /// The section's terms, sorted, analysed at build time: which section a
    /// question is closest to costs lookups, not analysis.
    pub terms: &'static [&'static str],
}

impl Section {
    /// How many of `terms` (a question's) this section has.
    pub fn overlap(&self, terms: &[String]) -> usize {
        terms.iter().filter(|t| self.terms.binary_search(&t.as_str()).is_ok()).count()
    }
}

#[derive(Debug)]
pub struct Term {
    pub key: &'static str,
    /// The documents with the term in their title or tags.
    pub head: &'static [Posting],
    /// The documents with the term in their text.
    pub body: &'static [Posting],
}

/// The index terms of a word's synonyms (see [`crate::synonyms`]).
#[derive(Debug)]
pub struct SynonymTerms {
    /// `<lang>:<word>`, the word lowercased and folded.
    pub key: &'static str,
    pub terms: &'static [&'static str],
}

/// A document containing a term, and how much the term weighs in it: its
/// count (fields weighted), saturated and normalised by the field's length
/// as BM25 does ([`tf_weight`]). Computed when the index is built.
///
/// A term is one language's and a language has one article per topic, so
/// the document is named by its topic: scoring adds straight into the
/// topics' scores, without looking the document up.
#[derive(Debug)]
pub struct Posting {
    pub topic: u32,
    pub weight: f32,
}

/// BM25's term-frequency part: `tf` occurrences in a field `len` terms long,
/// where that field is `avg_len` long on average in the document's language.
pub fn tf_weight(tf: f32, len: f32, avg_len: f32) -> f32 {
    tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg_len.max(1.0)))
}

/// A topic and how well it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub topic: &'static str,
    pub score: f32,
}

/// How many hits a search returns: the best, and the next few to compare
/// it with. Sorting every topic that matched a word was the biggest cost
/// of a search in a large knowledge base.
pub const MAX_HITS: usize = 5;

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Best first; at most [`MAX_HITS`], only topics that matched at all.
    pub hits: Vec<Hit>,
    /// 0.0 to 1.0: how much of the question the best topic explains, and by
    /// how far it beats the next.
    pub confidence: f32,
    /// The question's terms in the language it was asked in, as the index
    /// has them: what picks an article's closest section, without analysing
    /// the question again.
    pub terms: Vec<String>,
}

/// One word of the question and the index terms that stand for it.
struct Group {
    /// The word, lowercased and folded.
    word: String,
    alternatives: Vec<(&'static Term, f32)>,
}

impl Group {
    /// Whether the index knows the word as it is (not only a synonym or a misspelling of it).
    fn is_known(&self) -> bool {
        self.alternatives.iter().any(|(_, weight)| *weight == EXACT)
    }
}

impl Index {
    fn lang_slot(lang: &str) -> Option<usize> {
        LANGUAGES.iter().position(|l| *l == lang)
    }

    fn term(&self, lang: &str, term: &str) -> Option<&'static Term> {
        let terms: &'static [Term] = self.terms;
        find(self.term_slots, terms, |t| t.key, lang, term)
    }

    /// The index terms of `word`'s synonyms in `lang`.
    fn synonym_terms(&self, lang: &str, word: &str) -> &'static [&'static str] {
        let synonyms: &'static [SynonymTerms] = self.synonyms;
        find(self.synonym_slots, synonyms, |s| s.key, lang, word).map_or(&[], |s| s.terms)
    }

    /// The terms of one language that start with `prefix`: a contiguous
    /// run, as keys are sorted.
    fn terms_starting(&self, lang: &str, prefix: &str) -> &'static [Term] {
        let terms: &'static [Term] = self.terms;
        let prefix = format!("{lang}:{prefix}");
        let start = terms.partition_point(|t| t.key < prefix.as_str());
        let end = start + terms[start..].partition_point(|t| t.key.starts_with(prefix.as_str()));
        &terms[start..end]
    }

    /// The article of `topic` in `lang` (documents are sorted by topic, then language).
    pub fn article(&self, topic: &str, lang: &str) -> Option<&'static Doc> {
        let docs: &'static [Doc] = self.docs;
        let topic = self.topics.binary_search(&topic).ok()? as u32;
        docs.binary_search_by(|d| (d.topic, d.lang).cmp(&(topic, lang))).ok().map(|i| &docs[i])
    }

    /// The question's words (see [`words_and_terms`]) as groups of index terms in `lang`.
    fn groups(&self, lang: &str, words: Vec<(String, String)>, with_misspellings: bool) -> Vec<Group> {
        let stem = stemmer(lang);
        let mut groups = Vec::new();
        for (word, term) in words {
            let mut alternatives: Vec<(&'static Term, f32)> = Vec::new();
            fn add(alternatives: &mut Vec<(&'static Term, f32)>, t: &'static Term, weight: f32) {
                if !alternatives.iter().any(|(known, _)| std::ptr::eq(*known, t)) {
                    alternatives.push((t, weight));
                }
            }
            if let Some(t) = self.term(lang, &term) {
                add(&mut alternatives, t, EXACT);
            }
            for synonym_term in self.synonym_terms(lang, &word) {
                if let Some(t) = self.term(lang, synonym_term) {
                    add(&mut alternatives, t, SYNONYM);
                }
            }
            if alternatives.is_empty() && with_misspellings {
                for t in self.misspelt(lang, &normalise(lang, stem.as_ref(), &word)) {
                    add(&mut alternatives, t, MISSPELLING);
                }
            }
            groups.push(Group { word, alternatives });
        }
        groups
    }

    /// Index terms one or two edits away from `term` (two for long words).
    fn misspelt(&self, lang: &str, term: &str) -> Vec<&'static Term> {
        let len = term.chars().count();
        if lang == "zh" {
            return Vec::new();
        }
        // Short words are often other real words one letter away ("black", "block").
        if len < 6 {
            return Vec::new();
        }
        let allowed = if len >= 9 { 2 } else { 1 };
        // Misspellings rarely touch the first letter: only the terms that
        // share it are compared, a small run of the sorted vocabulary.
        let Some(first) = term.chars().next() else { return Vec::new() };
        let term: Vec<char> = term.chars().collect();
        // Buffers reused across candidates: this runs for every unknown long word.
        let mut candidate = Vec::new();
        let mut table = Vec::new();
        self.terms_starting(lang, first.encode_utf8(&mut [0; 4]))
            .iter()
            .filter(|t| {
                candidate.clear();
                candidate.extend(t.key[lang.len() + 1..].chars());
                candidate.len().abs_diff(len) <= allowed && edit_distance(&candidate, &term, &mut table) <= allowed
            })
            .collect()
    }

    /// BM25 per topic for the question's groups in one language. Work is
    /// proportional to the postings read, never to the number of documents
    /// beyond one zeroed score slot per topic.
    fn score(&self, lang: &str, groups: &[Group], scores: &mut [f32]) {
        let Some(slot) = Self::lang_slot(lang) else { return };
        let n = self.docs_per_lang[slot] as f32;
        // Dense per-topic slots, and the list of slots in use so that only
        // they are read back and cleared.
        let mut best = vec![0.0f32; scores.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut per_term = vec![0.0f32; scores.len()];
        let mut per_term_touched: Vec<u32> = Vec::new();
        for group in groups {
            for (term, weight) in &group.alternatives {
                for (postings, field_weight) in [(term.head, HEAD_WEIGHT), (term.body, 1.0)] {
                    let df = postings.len() as f32;
                    let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                    let factor = weight * field_weight * idf;
                    for posting in postings {
                        let Some(sum) = per_term.get_mut(posting.topic as usize) else {
                            continue;
                        };
                        if *sum == 0.0 {
                            per_term_touched.push(posting.topic);
                        }
                        *sum += factor * posting.weight;
                    }
                }
                // A word counts once per topic: its best form. (Scores are
                // never NaN; a comparison spares wasm a call to `fmaxf`.)
                for topic in per_term_touched.drain(..) {
                    let value = std::mem::take(&mut per_term[topic as usize]);
                    let slot = &mut best[topic as usize];
                    if *slot == 0.0 {
                        touched.push(topic);
                    }
                    if value > *slot {
                        *slot = value;
                    }
                }
            }
            for topic in touched.drain(..) {
                scores[topic as usize] += std::mem::take(&mut best[topic as usize]);
            }
        }
    }

    /// How many of `words` (see [`words_and_terms`]) this language's index knows as they are.
    fn known_words(&self, lang: &str, words: &[(String, String)]) -> usize {
        words.iter().filter(|(_, term)| self.term(lang, term).is_some()).count()
    }

    /// The topics that answer `question`, asked in `lang`. Buyers mix
    /// languages: when another language's index knows more of the question's
    /// words, that language's evidence is added to `lang`'s.
    pub fn search(&self, question: &str, lang: &str) -> Found {
        let mut scores = vec![0.0f32; self.topics.len()];
        let words = words_and_terms(lang, question);
        let terms = words.iter().map(|(_, term)| term.clone()).collect();
        let own_groups = self.groups(lang, words, true);
        self.score(lang, &own_groups, &mut scores);

        // Only a question with words its language does not know may be mixed.
        let mut explained = explained_share(&own_groups);
        if explained < 1.0 {
            let own_known = own_groups.iter().filter(|g| g.is_known()).count();
            // Another language can only know more words if it knows one of those
            // this one does not: checking those few words first spares most of
            // the analysis in eight languages.
            let unknown: Vec<&str> = own_groups.iter().filter(|g| !g.is_known()).map(|g| g.word.as_str()).collect();
            let other = LANGUAGES
                .iter()
                .filter(|l| **l != lang)
                .filter(|l| unknown.iter().any(|word| self.known_words(l, &words_and_terms(l, word)) > 0))
                .map(|l| {
                    let words = words_and_terms(l, question);
                    (self.known_words(l, &words), *l, words)
                })
                .filter(|(known, _, _)| *known > own_known)
                .max_by_key(|(known, _, _)| *known);
            if let Some((_, other_lang, words)) = other {
                let groups = self.groups(other_lang, words, false);
                self.score(other_lang, &groups, &mut scores);
                explained = explained.max(explained_share(&groups));
            }
        }

        // Topics are sorted, so their positions break ties as their names would.
        let mut matched: Vec<(f32, usize)> = scores.iter().enumerate().filter(|(_, s)| **s > 0.0).map(|(i, s)| (*s, i)).collect();
        let best_first = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if matched.len() > MAX_HITS {
            matched.select_nth_unstable_by(MAX_HITS - 1, best_first);
            matched.truncate(MAX_HITS);
        }
        matched.sort_by(best_first);
        let hits: Vec<Hit> =
            matched.into_iter().filter_map(|(score, i)| Some(Hit { topic: self.topics.get(i)?, score })).collect();
        let confidence = match hits.as_slice() {
            [] => 0.0,
            [_] => explained,
            [first, second, ..] => 0.6 * explained + 0.4 * ((first.score - second.score) / first.score),
        };
        Found { hits, confidence: confidence.clamp(0.0, 1.0), terms }
    }
}

/// A slot of a key table: `0` when empty, else the entry's position + 1 in
/// the low `POSITION_BITS` bits and the top bits of its key's hash above them,
/// so that a probe passes over other keys without reading their text.
const POSITION_BITS: u32 = 20;
const POSITION_MASK: u32 = (1 << POSITION_BITS) - 1;

/// FNV-1a of `parts` one after the other: a key's hash, from its language
/// and name without joining them.
fn key_hash(parts: &[&[u8]]) -> u32 {
    parts.iter().flat_map(|part| part.iter()).fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193))
}

/// The hash table of `keys` (`<lang>:<name>`, each once) that [`find`]
/// reads: open addressing, at most two thirds full, so that a key is
/// usually found, or known to be absent, in the first slot or the next.
pub fn key_slots<'a>(keys: impl ExactSizeIterator<Item = &'a str>) -> Vec<u32> {
    assert!(keys.len() < POSITION_MASK as usize, "{} keys do not fit a key table's {POSITION_BITS}-bit positions", keys.len());
    let mask = (keys.len() + keys.len() / 2 + 1).next_power_of_two() - 1;
    let mut slots = vec![0; mask + 1];
    for (position, key) in keys.enumerate() {
        let hash = key_hash(&[key.as_bytes()]);
        let mut at = hash as usize & mask;
        while slots[at] != 0 {
            at = (at + 1) & mask;
        }
        slots[at] = (hash & !POSITION_MASK) | (position as u32 + 1);
    }
    slots
}

/// The entry of `entries` whose key is `<lang>:<name>`, through its
/// [`key_slots`].
fn find<T>(slots: &[u32], entries: &'static [T], key: impl Fn(&T) -> &str, lang: &str, name: &str) -> Option<&'static T> {
    let hash = key_hash(&[lang.as_bytes(), b":", name.as_bytes()]);
    let mask = slots.len().checked_sub(1)?;
    let mut at = hash as usize & mask;
    // A table always has an empty slot, which ends the search for a key it lacks.
    loop {
        let slot = slots[at];
        if slot == 0 {
            return None;
        }
        if (slot ^ hash) & !POSITION_MASK == 0 {
            let entry = entries.get(((slot & POSITION_MASK) as usize).checked_sub(1)?)?;
            if key(entry).strip_prefix(lang).and_then(|rest| rest.strip_prefix(':')) == Some(name) {
                return Some(entry);
            }
        }
        at = (at + 1) & mask;
    }
}

/// The share of the question's words the index knows in some form.
fn explained_share(groups: &[Group]) -> f32 {
    if groups.is_empty() {
        return 0.0;
    }
    groups.iter().filter(|g| !g.alternatives.is_empty()).count() as f32 / groups.len() as f32
}

/// The question's words (lowercased and folded, for synonyms) with their
/// index terms. Chinese pairs are their own words.
fn words_and_terms(lang: &str, question: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for raw in question.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = raw.to_lowercase();
        let terms = analyze(lang, &word);
        let one_word = terms.len() == 1 && !word.chars().any(crate::analysis::is_han);
        for term in terms {
            let original = if one_word { fold(&word) } else { term.clone() };
            out.push((original, term));
        }
    }
    out
}

/// Optimal string alignment distance between two words' characters:
/// insertions, deletions, substitutions and swaps of neighbours ("recieve")
/// each cost one. `d` is the table it fills, resized here, so that one
/// allocation serves every candidate.
fn edit_distance(a: &[char], b: &[char], d: &mut Vec<usize>) -> usize {
    let width = b.len() + 1;
    d.clear();
    d.resize((a.len() + 1) * width, 0);
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1).min(d[i * width + j - 1] + 1).min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_returns_the_best_few_hits_best_first() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let articles = crate::build::load(&root.join("kb")).unwrap();
        let index = crate::build::index(&articles);
        // Words of many articles: far more topics match than are returned.
        let found = index.search("order seller refund payment parcel account return message", "en");
        assert_eq!(found.hits.len(), MAX_HITS);
        for pair in found.hits.windows(2) {
            assert!(pair[0].score >= pair[1].score, "{:?}", found.hits);
        }
        // A narrow question still gets its hits, never more than the bound.
        let narrow = index.search("parcel", "en");
        assert!(!narrow.hits.is_empty() && narrow.hits.len() <= MAX_HITS);
    }

    #[test]
    fn a_search_returns_the_questions_terms_as_analysis_gives_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let index = crate::build::index(&crate::build::load(&root.join("kb")).unwrap());
        for (lang, question) in [("it", "il pacco non è arrivato, cosa faccio?"), ("zh", "PayPal退款多久到账"), ("pl", "Gdzie jest moja paczka?"), ("en", "")] {
            assert_eq!(index.search(question, lang).terms, crate::analysis::analyze(lang, question), "{lang}: {question}");
        }
    }

    #[test]
    fn a_key_is_found_as_if_lang_and_name_were_joined() {
        static KEYS: [&str; 12] = ["", "e", "e:", "en", "en0", "en:", "en:a", "en:parcel", "en:parcels", "en;", "enx", "es:a"];
        let slots = key_slots(KEYS.iter().copied());
        for (lang, name) in [("en", "parcel"), ("en", ""), ("e", "n:a"), ("", ""), ("es", "a"), ("en", "zz"), ("e", ""), ("en", "parce"), ("es", "parcel")] {
            let joined = format!("{lang}:{name}");
            let expected = KEYS.iter().find(|k| **k == joined);
            assert_eq!(find(&slots, &KEYS, |k| k, lang, name), expected, "{joined:?}");
        }
        assert_eq!(find(&[], &KEYS, |k| k, "en", "parcel"), None, "an empty table");
    }

    #[test]
    fn every_term_and_synonym_of_the_knowledge_base_is_found_through_its_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let index = crate::build::index(&crate::build::load(&root.join("kb")).unwrap());
        let split = |key: &'static str| key.split_once(':').unwrap();
        for term in index.terms {
            let (lang, name) = split(term.key);
            assert!(index.term(lang, name).is_some_and(|found| std::ptr::eq(found, term)), "{}", term.key);
        }
        for synonym in index.synonyms {
            let (lang, word) = split(synonym.key);
            assert_eq!(index.synonym_terms(lang, word), synonym.terms, "{}", synonym.key);
        }
        // At most two thirds full, so that a miss ends at an empty slot soon.
        assert!(index.term_slots.iter().filter(|s| **s != 0).count() * 3 <= index.term_slots.len() * 2);
        assert!(index.term("en", "no-such-term").is_none());
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        let mut table = Vec::new();
        let mut distance = |a: &str, b: &str| {
            edit_distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>(), &mut table)
        };
        assert_eq!(distance("reciev", "receiv"), 1);
        assert_eq!(distance("refound", "refund"), 1);
        assert_eq!(distance("pakag", "packag"), 1);
        assert_eq!(distance("abc", "xyz"), 3);
        // The table left by a longer pair does not leak into a shorter one.
        assert_eq!(distance("paczka", "paczka"), 0);
        assert_eq!(distance("", "ab"), 2);
    }
}
