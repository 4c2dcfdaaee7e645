//! The Spin interfaces components import, implemented over the host's
//! key-value stores, variables and LLM client.

use crate::key_value::KeyValueStore;
use crate::state::HostState;
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker, Resource};

#[allow(non_camel_case_types)]
mod bindings {
    wasmtime::component::bindgen!({
    path: "wit",
    world: "host",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/key-value.store": crate::spin_interfaces::OpenStore,
        "wasi:keyvalue/store.bucket": crate::spin_interfaces::OpenBucket,
        "wasi:keyvalue/atomics.cas": crate::spin_interfaces::CasHandle,
    },
    });
}

use bindings::Host_;
use bindings::fermyon::spin::{key_value, llm, variables};
use bindings::wasi::keyvalue::{atomics, batch, store as wasi_store};

/// A store a component opened: its label and backend.
pub struct OpenStore {
    label: String,
    store: Arc<dyn KeyValueStore>,
}

/// The same, opened through `wasi:keyvalue`: a distinct resource type for the component.
pub struct OpenBucket(OpenStore);

/// A compare-and-swap in progress: the value read when it began.
pub struct CasHandle {
    store: Arc<dyn KeyValueStore>,
    key: String,
    current: Option<Vec<u8>>,
}

pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    Host_::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    Ok(())
}

/// The error a component sees when a backend fails; the host logs it too.
fn kv_other(label: &str, err: anyhow::Error) -> String {
    eprintln!("key-value store {label:?} failed: {err:#}");
    format!("key-value store {label:?} is unavailable: {err:#}")
}

impl HostState {
    /// Spin's rule: a component opens only the stores its manifest lists.
    fn open_store(&self, label: &str) -> Result<OpenStore, StoreError> {
        if !self.component.key_value_stores.iter().any(|l| l == label) {
            return Err(StoreError::AccessDenied);
        }
        match self.component.stores.get(label) {
            Some(store) => Ok(OpenStore { label: label.to_string(), store: store.clone() }),
            None => Err(StoreError::NoSuchStore),
        }
    }

    fn store_of(&self, handle: &Resource<OpenStore>) -> wasmtime::Result<(String, Arc<dyn KeyValueStore>)> {
        let open = self.table.get(handle)?;
        Ok((open.label.clone(), open.store.clone()))
    }

    fn bucket_of(&self, handle: &Resource<OpenBucket>) -> wasmtime::Result<(String, Arc<dyn KeyValueStore>)> {
        let OpenBucket(open) = self.table.get(handle)?;
        Ok((open.label.clone(), open.store.clone()))
    }
}

enum StoreError {
    AccessDenied,
    NoSuchStore,
}

impl key_value::Host for HostState {}

impl key_value::HostStore for HostState {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<OpenStore>, key_value::Error>> {
        match self.open_store(&label) {
            Ok(open) => Ok(Ok(self.table.push(open)?)),
            Err(StoreError::AccessDenied) => Ok(Err(key_value::Error::AccessDenied)),
            Err(StoreError::NoSuchStore) => Ok(Err(key_value::Error::NoSuchStore)),
        }
    }

    async fn get(&mut self, h: Resource<OpenStore>, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, key_value::Error>> {
        let (label, store) = self.store_of(&h)?;
        Ok(store.get(&key).await.map_err(|e| key_value::Error::Other(kv_other(&label, e))))
    }

    async fn set(&mut self, h: Resource<OpenStore>, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), key_value::Error>> {
        let (label, store) = self.store_of(&h)?;
        Ok(store.set(&key, &value).await.map_err(|e| key_value::Error::Other(kv_other(&label, e))))
    }

    async fn delete(&mut self, h: Resource<OpenStore>, key: String) -> wasmtime::Result<Result<(), key_value::Error>> {
        let (label, store) = self.store_of(&h)?;
        Ok(store.delete(&key).await.map_err(|e| key_value::Error::Other(kv_other(&label, e))))
    }

    async fn exists(&mut self, h: Resource<OpenStore>, key: String) -> wasmtime::Result<Result<bool, key_value::Error>> {
        let (label, store) = self.store_of(&h)?;
        Ok(store.exists(&key).await.map_err(|e| key_value::Error::Other(kv_other(&label, e))))
    }

    async fn get_keys(&mut self, h: Resource<OpenStore>) -> wasmtime::Result<Result<Vec<String>, key_value::Error>> {
        let (label, store) = self.store_of(&h)?;
        Ok(store.keys().await.map_err(|e| key_value::Error::Other(kv_other(&label, e))))
    }

    async fn drop(&mut self, h: Resource<OpenStore>) -> wasmtime::Result<()> {
        self.table.delete(h)?;
        Ok(())
    }
}

impl wasi_store::Host for HostState {
    async fn open(&mut self, identifier: String) -> wasmtime::Result<Result<Resource<OpenBucket>, wasi_store::Error>> {
        match self.open_store(&identifier) {
            Ok(open) => Ok(Ok(self.table.push(OpenBucket(open))?)),
            Err(StoreError::AccessDenied) => Ok(Err(wasi_store::Error::AccessDenied)),
            Err(StoreError::NoSuchStore) => Ok(Err(wasi_store::Error::NoSuchStore)),
        }
    }
}

impl wasi_store::HostBucket for HostState {
    async fn get(&mut self, h: Resource<OpenBucket>, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, wasi_store::Error>> {
        let (label, store) = self.bucket_of(&h)?;
        Ok(store.get(&key).await.map_err(|e| wasi_store::Error::Other(kv_other(&label, e))))
    }

    async fn set(&mut self, h: Resource<OpenBucket>, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), wasi_store::Error>> {
        let (label, store) = self.bucket_of(&h)?;
        Ok(store.set(&key, &value).await.map_err(|e| wasi_store::Error::Other(kv_other(&label, e))))
    }

    async fn delete(&mut self, h: Resource<OpenBucket>, key: String) -> wasmtime::Result<Result<(), wasi_store::Error>> {
        let (label, store) = self.bucket_of(&h)?;
        Ok(store.delete(&key).await.map_err(|e| wasi_store::Error::Other(kv_other(&label, e))))
    }

    async fn exists(&mut self, h: Resource<OpenBucket>, key: String) -> wasmtime::Result<Result<bool, wasi_store::Error>> {
        let (label, store) = self.bucket_of(&h)?;
        Ok(store.exists(&key).await.map_err(|e| wasi_store::Error::Other(kv_other(&label, e))))
    }

    async fn list_keys(
        &mut self,
        h: Resource<OpenBucket>,
        _cursor: Option<String>,
    ) -> wasmtime::Result<Result<wasi_store::KeyResponse, wasi_store::Error>> {
        let (label, store) = self.bucket_of(&h)?;
        // One page holds every key, so there is never a cursor to continue from.
        Ok(store
            .keys()
            .await
            .map(|keys| wasi_store::KeyResponse { keys, cursor: None })
            .map_err(|e| wasi_store::Error::Other(kv_other(&label, e))))
    }

    async fn drop(&mut self, h: Resource<OpenBucket>) -> wasmtime::Result<()> {
        self.table.delete(h)?;
        Ok(())
    }
}

impl atomics::Host for HostState {
    async fn increment(&mut self, bucket: Resource<OpenBucket>, key: String, delta: i64) -> wasmtime::Result<Result<i64, wasi_store::Error>> {
        let (label, store) = self.bucket_of(&bucket)?;
        Ok(store.increment(&key, delta).await.map_err(|e| wasi_store::Error::Other(kv_other(&label, e))))
    }

    async fn swap(&mut self, cas: Resource<CasHandle>, value: Vec<u8>) -> wasmtime::Result<Result<(), atomics::CasError>> {
        let handle = self.table.delete(cas)?;
        match handle.store.compare_and_swap(&handle.key, handle.current.as_deref(), &value).await {
            Ok(true) => Ok(Ok(())),
            Ok(false) => {
                // Spin hands back a fresh handle holding the value now stored.
                let current = match handle.store.get(&handle.key).await {
                    Ok(current) => current,
                    Err(e) => return Ok(Err(atomics::CasError::StoreError(wasi_store::Error::Other(format!("{e:#}"))))),
                };
                let fresh = self.table.push(CasHandle { current, ..handle })?;
                Ok(Err(atomics::CasError::CasFailed(fresh)))
            }
            Err(e) => Ok(Err(atomics::CasError::StoreError(wasi_store::Error::Other(format!("{e:#}"))))),
        }
    }
}

impl batch::Host for HostState {
    async fn get_many(
        &mut self,
        bucket: Resource<OpenBucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<(String, Option<Vec<u8>>)>, wasi_store::Error>> {
        let (label, store) = self.bucket_of(&bucket)?;
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            match store.get(&key).await {
                Ok(value) => found.push((key, value)),
                Err(e) => return Ok(Err(wasi_store::Error::Other(kv_other(&label, e)))),
            }
        }
        Ok(Ok(found))
    }

    async fn set_many(
        &mut self,
        bucket: Resource<OpenBucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), wasi_store::Error>> {
        let (label, store) = self.bucket_of(&bucket)?;
        Ok(store.set_many(&key_values).await.map_err(|e| wasi_store::Error::Other(kv_other(&label, e))))
    }

    async fn delete_many(
        &mut self,
        bucket: Resource<OpenBucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), wasi_store::Error>> {
        let (label, store) = self.bucket_of(&bucket)?;
        for key in keys {
            if let Err(e) = store.delete(&key).await {
                return Ok(Err(wasi_store::Error::Other(kv_other(&label, e))));
            }
        }
        Ok(Ok(()))
    }
}

impl atomics::HostCas for HostState {
    async fn new(&mut self, bucket: Resource<OpenBucket>, key: String) -> wasmtime::Result<Result<Resource<CasHandle>, wasi_store::Error>> {
        let (label, store) = self.bucket_of(&bucket)?;
        let current = match store.get(&key).await {
            Ok(current) => current,
            Err(e) => return Ok(Err(wasi_store::Error::Other(kv_other(&label, e)))),
        };
        Ok(Ok(self.table.push(CasHandle { store, key, current })?))
    }

    async fn current(&mut self, cas: Resource<CasHandle>) -> wasmtime::Result<Result<Option<Vec<u8>>, wasi_store::Error>> {
        Ok(Ok(self.table.get(&cas)?.current.clone()))
    }

    async fn drop(&mut self, cas: Resource<CasHandle>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl variables::Host for HostState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, variables::Error>> {
        if !crate::manifest::is_valid_variable_name(&name) {
            return Ok(Err(variables::Error::InvalidName(name)));
        }
        Ok(self.component.variables.get(&name).cloned().ok_or(variables::Error::Undefined(name)))
    }
}

impl HostState {
    /// Spin's rules: only models the component lists in `ai_models`, and only with a backend configured.
    fn llm_client(&self, model: &str) -> Result<Arc<crate::llm::OpenAiClient>, llm::Error> {
        if !self.component.ai_models.iter().any(|m| m == model) {
            return Err(llm::Error::ModelNotSupported);
        }
        self.component.llm.clone().ok_or_else(|| {
            llm::Error::RuntimeError(
                "no model configured: add [llm_compute] to the runtime config to use the LLM interface".into(),
            )
        })
    }
}

impl llm::Host for HostState {
    async fn infer(
        &mut self,
        model: String,
        prompt: String,
        params: Option<llm::InferencingParams>,
    ) -> wasmtime::Result<Result<llm::InferencingResult, llm::Error>> {
        let client = match self.llm_client(&model) {
            Ok(client) => client,
            Err(e) => return Ok(Err(e)),
        };
        let params = params.map_or(
            crate::llm::InferenceParams { max_tokens: 100, temperature: 0.8, top_p: 0.9 },
            |p| crate::llm::InferenceParams { max_tokens: p.max_tokens, temperature: p.temperature, top_p: p.top_p },
        );
        Ok(match client.infer(&model, &prompt, &params).await {
            Ok(r) => Ok(llm::InferencingResult {
                text: r.text,
                usage: llm::InferencingUsage {
                    prompt_token_count: r.prompt_tokens,
                    generated_token_count: r.generated_tokens,
                },
            }),
            Err(e) => Err(llm::Error::RuntimeError(format!("{e:#}"))),
        })
    }

    async fn generate_embeddings(
        &mut self,
        model: String,
        text: Vec<String>,
    ) -> wasmtime::Result<Result<llm::EmbeddingsResult, llm::Error>> {
        let client = match self.llm_client(&model) {
            Ok(client) => client,
            Err(e) => return Ok(Err(e)),
        };
        Ok(match client.embed(&model, &text).await {
            Ok(r) => Ok(llm::EmbeddingsResult {
                embeddings: r.vectors,
                usage: llm::EmbeddingsUsage { prompt_token_count: r.prompt_tokens },
            }),
            Err(e) => Err(llm::Error::RuntimeError(format!("{e:#}"))),
        })
    }
}
