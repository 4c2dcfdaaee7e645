//! Build time: reading `kb/`, checking it, building the index and writing it
//! as Rust source for the component to include. Natively only.

use crate::analysis::analyze;
use crate::article::{Article, LANGUAGES, check, parse};
use crate::search::{Doc, Index, Posting, Section, SynonymTerms, Term, key_slots, tf_weight};
use crate::synonyms::synonym_terms;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// In an article's head, a word of the title counts more than one of a tag.
const TITLE_WEIGHT: f32 = 2.0;
const TAG_WEIGHT: f32 = 1.0;

/// Every article under `kb_dir` (`<lang>/<id>.md`), checked as a whole. The
/// error lists every problem, one per line, ready for a build failure.
pub fn load(kb_dir: &Path) -> Result<Vec<Article>, String> {
    let mut paths = Vec::new();
    let mut problems = Vec::new();
    let langs = std::fs::read_dir(kb_dir).map_err(|e| format!("cannot read the knowledge base at {}: {e}", kb_dir.display()))?;
    for lang_dir in langs.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
        match std::fs::read_dir(&lang_dir) {
            Ok(files) => paths.extend(files.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "md"))),
            Err(e) => problems.push(format!("{}: {e}", lang_dir.display())),
        }
    }
    paths.sort();
    let mut articles = Vec::new();
    for path in &paths {
        let name = relative(kb_dir, path);
        match std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}")).and_then(|text| parse(&name, &text)) {
            Ok(article) => articles.push((name, article)),
            Err(problem) => problems.push(problem),
        }
    }
    if let Err(more) = check(&articles) {
        problems.extend(more);
    }
    if problems.is_empty() {
        Ok(articles.into_iter().map(|(_, a)| a).collect())
    } else {
        Err(format!("the knowledge base has {} problem(s):\n  {}", problems.len(), problems.join("\n  ")))
    }
}

fn relative(base: &Path, path: &Path) -> String {
    let base_name = base.file_name().map(PathBuf::from).unwrap_or_default();
    base_name.join(path.strip_prefix(base).unwrap_or(path)).display().to_string()
}

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn leak_str(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

/// The index of `articles`. Built once per build (or per evaluation run), so
/// its memory is simply kept: it lives as long as the program.
pub fn index(articles: &[Article]) -> Index {
    let mut articles: Vec<&Article> = articles.iter().collect();
    articles.sort_by(|a, b| (&a.id, &a.lang).cmp(&(&b.id, &b.lang)));
    let mut topics: Vec<&str> = articles.iter().map(|a| a.id.as_str()).collect();
    topics.sort_unstable();
    topics.dedup();
    // Per term: its head postings and its body postings, as (document, tf)
    // until the languages' mean lengths are known.
    type Counts = Vec<(u32, f32)>;
    let mut postings: BTreeMap<String, (Counts, Counts)> = BTreeMap::new();
    let mut lengths = Vec::new();
    let mut docs = Vec::new();
    let mut totals = [(0u32, 0.0f32, 0.0f32); 9];
    for (number, article) in articles.iter().enumerate() {
        let weigh = |texts: &[(&str, f32)]| {
            let mut weights: BTreeMap<String, f32> = BTreeMap::new();
            for (text, weight) in texts {
                for term in analyze(&article.lang, text) {
                    *weights.entry(term).or_default() += weight;
                }
            }
            weights
        };
        let mut head_texts = vec![(article.title.as_str(), TITLE_WEIGHT)];
        head_texts.extend(article.tags.iter().map(|t| (t.as_str(), TAG_WEIGHT)));
        let mut body_texts = vec![(article.intro.as_str(), 1.0)];
        for section in &article.sections {
            body_texts.push((section.heading.as_str(), 1.0));
            body_texts.push((section.text.as_str(), 1.0));
        }
        let head = weigh(&head_texts);
        let body = weigh(&body_texts);
        let head_len: f32 = head.values().sum();
        let len: f32 = body.values().sum();
        let doc = number as u32;
        for (term, tf) in head {
            postings.entry(format!("{}:{term}", article.lang)).or_default().0.push((doc, tf));
        }
        for (term, tf) in body {
            postings.entry(format!("{}:{term}", article.lang)).or_default().1.push((doc, tf));
        }
        let slot = LANGUAGES.iter().position(|l| *l == article.lang).unwrap_or(0);
        totals[slot].0 += 1;
        totals[slot].1 += head_len;
        totals[slot].2 += len;
        lengths.push((slot, head_len, len));
        let topic = topics.binary_search(&article.id.as_str()).unwrap_or(0) as u32;
        let sections = article
            .sections
            .iter()
            .map(|s| {
                let mut terms = analyze(&article.lang, &format!("{}\n{}", s.heading, s.text));
                terms.sort_unstable();
                terms.dedup();
                let terms: Vec<&'static str> = terms.iter().map(|t| leak_str(t)).collect();
                Section { heading: leak_str(&quotable(&s.heading)), text: leak_str(&quotable(&s.text)), terms: leak(terms) }
            })
            .collect();
        docs.push(Doc {
            topic,
            lang: leak_str(&article.lang),
            title: leak_str(&article.title),
            updated: leak_str(&article.updated),
            intro: leak_str(&quotable(&article.intro)),
            sections: leak(sections),
        });
    }
    let mean = |n: u32, total: f32| if n == 0 { 0.0 } else { total / n as f32 };
    let avg_head_len = totals.map(|(n, len, _)| mean(n, len));
    let avg_len = totals.map(|(n, _, len)| mean(n, len));
    let weigh_postings = |postings: Vec<(u32, f32)>, is_head: bool| -> &'static [Posting] {
        leak(
            postings
                .into_iter()
                .map(|(doc, tf)| {
                    let (slot, head_len, len) = lengths[doc as usize];
                    let weight =
                        if is_head { tf_weight(tf, head_len, avg_head_len[slot]) } else { tf_weight(tf, len, avg_len[slot]) };
                    Posting { topic: docs[doc as usize].topic, weight }
                })
                .collect(),
        )
    };
    let terms: Vec<Term> = postings
        .into_iter()
        .map(|(key, (head, body))| Term { key: leak_str(&key), head: weigh_postings(head, true), body: weigh_postings(body, false) })
        .collect();
    // Languages in byte order, each's words sorted: the whole table is sorted by key.
    let mut languages = LANGUAGES.to_vec();
    languages.sort_unstable();
    let synonyms: Vec<SynonymTerms> = languages
        .iter()
        .flat_map(|lang| {
            synonym_terms(lang).into_iter().map(move |(word, terms)| SynonymTerms {
                key: leak_str(&format!("{lang}:{word}")),
                terms: leak(terms.iter().map(|t| leak_str(t)).collect()),
            })
        })
        .collect();
    Index {
        topics: leak(topics.into_iter().map(leak_str).collect()),
        docs: leak(docs),
        term_slots: leak(key_slots(terms.iter().map(|t| t.key))),
        terms: leak(terms),
        synonym_slots: leak(key_slots(synonyms.iter().map(|s| s.key))),
        synonyms: leak(synonyms),
        docs_per_lang: totals.map(|(n, _, _)| n),
    }
}

/// Text as an answer quotes it: the articles' bold marks (`**`) are for
/// people reading `kb/`, so they are taken out once here, not per answer.
fn quotable(text: &str) -> String {
    text.replace("**", "")
}

/// The index as Rust source: `pub static INDEX: Index = ...;`, for `include!`.
pub fn to_rust(index: &Index) -> String {
    let mut out = String::from("// Generated from kb/ by the answers build script. Do not edit.\n");
    out.push_str("pub static INDEX: knowledge_base::search::Index = knowledge_base::search::Index {\n");
    let _ = writeln!(out, "    topics: &{:?},", index.topics);
    out.push_str("    docs: &[\n");
    for doc in index.docs {
        let _ = write!(
            out,
            "        knowledge_base::search::Doc {{ topic: {}, lang: {:?}, title: {:?}, updated: {:?}, intro: {:?}, sections: &[",
            doc.topic, doc.lang, doc.title, doc.updated, doc.intro
        );
        for section in doc.sections {
            let _ = write!(
                out,
                "knowledge_base::search::Section {{ heading: {:?}, text: {:?}, terms: &{:?} }}, ",
                section.heading, section.text, section.terms
            );
        }
        out.push_str("] },\n");
    }
    out.push_str("    ],\n    terms: &[\n");
    for term in index.terms {
        let _ = write!(out, "        knowledge_base::search::Term {{ key: {:?}, head: &[", term.key);
        write_postings(&mut out, term.head);
        out.push_str("], body: &[");
        write_postings(&mut out, term.body);
        out.push_str("] },\n");
    }
    let _ = writeln!(out, "    ],\n    term_slots: &{:?},", index.term_slots);
    out.push_str("    synonyms: &[\n");
    for synonym in index.synonyms {
        let _ = writeln!(
            out,
            "        knowledge_base::search::SynonymTerms {{ key: {:?}, terms: &{:?} }},",
            synonym.key, synonym.terms
        );
    }
    let _ = writeln!(
        out,
        "    ],\n    synonym_slots: &{:?},\n    docs_per_lang: {:?},\n}};",
        index.synonym_slots, index.docs_per_lang
    );
    out
}

fn write_postings(out: &mut String, postings: &[Posting]) {
    for p in postings {
        let _ = write!(out, "knowledge_base::search::Posting {{ topic: {}, weight: {:?} }}, ", p.topic, p.weight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_quotes_articles_without_their_bold_marks() {
        let articles = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../kb")).unwrap();
        let bold = |text: &str| text.contains("**");
        assert!(articles.iter().any(|a| bold(&a.intro) || a.sections.iter().any(|s| bold(&s.text))), "kb/ has bold text");
        for doc in index(&articles).docs {
            assert!(!bold(doc.intro), "{}: {}", doc.lang, doc.title);
            for section in doc.sections {
                assert!(!bold(section.heading) && !bold(section.text), "{}: {}", doc.lang, section.heading);
            }
        }
    }
}
