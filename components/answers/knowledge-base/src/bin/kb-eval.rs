//! Prints recall@1 and recall@3 per language of the KB retrieval on the
//! evaluation set, and the questions it got wrong.
//!
//! ```text
//! cargo kb-eval [--kb DIR] [--questions FILE]
//! cargo kb-eval --ask LANG "question"     # what one question finds, and why
//! ```

use knowledge_base::{build, eval};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let mut kb = root.join("kb");
    let mut questions = root.join("tests/answers-eval.jsonl");
    let mut ask = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--kb", Some(value)) => kb = value.into(),
            ("--questions", Some(value)) => questions = value.into(),
            ("--ask", Some(lang)) => ask = args.next().map(|question| (lang, question)),
            _ => {
                eprintln!("usage: kb-eval [--kb DIR] [--questions FILE] [--ask LANG QUESTION]");
                return ExitCode::from(2);
            }
        }
    }
    if let Some((lang, question)) = ask {
        return match build::load(&kb) {
            Ok(articles) => {
                let index = build::index(&articles);
                println!("terms: {:?}", knowledge_base::analysis::analyze(&lang, &question));
                let found = index.search(&question, &lang);
                println!("confidence {:.2}", found.confidence);
                for hit in found.hits.iter().take(5) {
                    println!("{:>8.2}  {}", hit.score, hit.topic);
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let loaded = build::load(&kb).and_then(|articles| Ok((articles, eval::load(&questions)?)));
    let (articles, cases) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let index = build::index(&articles);
    let started = std::time::Instant::now();
    let (table, misses) = eval::run(&index, &cases);
    eprintln!("{} questions, {:?} per search (native, this build profile)", cases.len(), started.elapsed() / cases.len().max(1) as u32);
    for miss in &misses {
        println!("miss [{}] {:?}: expected {}, found {:?}", miss.case.lang, miss.case.question, miss.case.topic, miss.found);
    }
    println!("\n| lang | questions | recall@1 | recall@3 |\n|---|---|---|---|");
    for r in &table {
        println!("| {} | {} | {:.2} | {:.2} |", r.lang, r.questions, r.at_1, r.at_3);
    }
    let total: usize = table.iter().map(|r| r.questions).sum();
    let weighted = |f: fn(&eval::Recall) -> f32| table.iter().map(|r| f(r) * r.questions as f32).sum::<f32>() / total.max(1) as f32;
    println!("| all | {total} | {:.2} | {:.2} |", weighted(|r| r.at_1), weighted(|r| r.at_3));
    ExitCode::SUCCESS
}
