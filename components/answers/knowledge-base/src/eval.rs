//! How well retrieval finds the right topic: recall@1 and recall@3 per
//! language on `tests/answers-eval.jsonl`, questions written the way buyers
//! write them (short, misspelt, mixed languages).

use crate::article::LANGUAGES;
use crate::search::Index;
use serde::Deserialize;
use std::path::Path;

/// One question and the topic a support agent would answer it with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub lang: String,
    pub question: String,
    pub topic: String,
}

/// Reads the evaluation set, one JSON object per line.
pub fn load(path: &Path) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1)))
        .collect()
}

/// Recall for one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Recall {
    pub lang: &'static str,
    pub questions: usize,
    pub at_1: f32,
    pub at_3: f32,
}

/// A question whose topic was not first.
#[derive(Debug, Clone)]
pub struct Miss {
    pub case: Case,
    /// The topics found, best first (at most three).
    pub found: Vec<&'static str>,
}

/// Recall per language (in [`LANGUAGES`] order) and the misses.
pub fn run(index: &Index, cases: &[Case]) -> (Vec<Recall>, Vec<Miss>) {
    let mut misses = Vec::new();
    let mut table = Vec::new();
    for lang in LANGUAGES {
        let (mut total, mut first, mut top3) = (0, 0, 0);
        for case in cases.iter().filter(|c| c.lang == lang) {
            total += 1;
            let found: Vec<&'static str> = index.search(&case.question, lang).hits.iter().take(3).map(|h| h.topic).collect();
            match found.iter().position(|t| *t == case.topic) {
                Some(0) => first += 1,
                Some(_) => top3 += 1,
                None => {}
            }
            if found.first() != Some(&case.topic.as_str()) {
                misses.push(Miss { case: case.clone(), found });
            }
        }
        let share = |n: usize| if total == 0 { 0.0 } else { n as f32 / total as f32 };
        table.push(Recall { lang, questions: total, at_1: share(first), at_3: share(first + top3) });
    }
    (table, misses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_meets_the_bar_in_every_language() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let articles = crate::build::load(&root.join("kb")).unwrap();
        let index = crate::build::index(&articles);
        let cases = load(&root.join("tests/answers-eval.jsonl")).unwrap();
        let (table, misses) = run(&index, &cases);
        for recall in &table {
            assert!(recall.questions >= 15, "{}: only {} questions", recall.lang, recall.questions);
            assert!(
                recall.at_1 >= 0.9 && recall.at_3 >= 0.97,
                "{recall:?} is below recall@1 0.9 / recall@3 0.97; misses: {:#?}",
                misses.iter().filter(|m| m.case.lang == recall.lang).collect::<Vec<_>>()
            );
        }
    }
}
