//! `fermyon:spin/llm` backed by an OpenAI-compatible HTTP service, as Spin's
//! `[llm_compute] type = "remote_http"` with `api_type = "open_ai"` does.

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

pub struct OpenAiClient {
    http: reqwest::Client,
    base: url::Url,
    token: Option<String>,
}

pub struct Inference {
    pub text: String,
    pub prompt_tokens: u32,
    pub generated_tokens: u32,
}

pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub prompt_tokens: u32,
}

pub struct InferenceParams {
    pub max_tokens: u32,
    pub temperature: f32,
    pub top_p: f32,
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<ChatChoice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct ChatChoice {
    message: ChatMessage,
}

#[derive(Deserialize)]
struct ChatMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize, Default)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

#[derive(Deserialize)]
struct EmbeddingResponse {
    data: Vec<EmbeddingItem>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
}

impl OpenAiClient {
    pub fn new(url: &str, token: Option<String>, timeout: Duration) -> Result<Self> {
        let mut base = url::Url::parse(url).with_context(|| format!("invalid LLM URL {url:?}"))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Self { http, base, token })
    }

    async fn post<T: for<'de> Deserialize<'de>>(&self, path: &str, body: serde_json::Value) -> Result<T> {
        let url = self.base.join(path)?;
        let mut request = self.http.post(url.clone()).json(&body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.with_context(|| format!("the LLM service at {url} did not answer"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(anyhow!("the LLM service at {url} answered {status}"));
        }
        response.json().await.with_context(|| format!("the LLM service at {url} sent an unreadable answer"))
    }

    pub async fn infer(&self, model: &str, prompt: &str, params: &InferenceParams) -> Result<Inference> {
        let body = json!({
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
        });
        let response: ChatResponse = self.post("v1/chat/completions", body).await?;
        let text = response
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .ok_or_else(|| anyhow!("the LLM service returned no choice"))?;
        let usage = response.usage.unwrap_or_default();
        Ok(Inference { text, prompt_tokens: usage.prompt_tokens, generated_tokens: usage.completion_tokens })
    }

    pub async fn embed(&self, model: &str, texts: &[String]) -> Result<Embeddings> {
        let response: EmbeddingResponse =
            self.post("v1/embeddings", json!({"model": model, "input": texts})).await?;
        Ok(Embeddings {
            vectors: response.data.into_iter().map(|d| d.embedding).collect(),
            prompt_tokens: response.usage.unwrap_or_default().prompt_tokens,
        })
    }
}
