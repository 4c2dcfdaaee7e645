//! Writing the cases store: `cases` only. Everything two requests can
//! write at once goes through compare-and-swap or an atomic increment.

use super::*;
use key_value::MemoryStore;

/// The atomic operations of `wasi:keyvalue/atomics`, over a [`KeyValue`] store.
pub trait AtomicKeyValue: KeyValue {
    /// Writes `new` at `key` only if the value there is still `expected`
    /// (`None`: absent, so an insert-if-absent); `false` when it was not.
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, StoreError>;

    /// Adds `delta` to the counter at `key` (absent: 0); the new value.
    /// Read it back with [`KeyValue::get_counter`]: how it is stored is the backend's.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError>;
}

/// The test store is single-threaded, so its plain operations are atomic.
impl AtomicKeyValue for MemoryStore {
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, StoreError> {
        if self.get(key)?.as_deref() != expected {
            return Ok(false);
        }
        self.set(key, new)?;
        Ok(true)
    }

    /// Kept as Spin's SQLite store keeps counters, 8 little-endian bytes.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        let next = self.get_counter(key)? + delta;
        self.set(key, &next.to_le_bytes())?;
        Ok(next)
    }
}

/// More conflicts than this on one record means something is wrong; give up with a `503`.
const MAX_ATTEMPTS: usize = 10_000;

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError(format!("cannot encode a record: {e}")))
}

/// Appends an entry to the log `log` and returns its position (1, 2, ...);
/// `entry` makes the record for a position.
///
/// A log's entries sit at `{log}:1`, `{log}:2`, ... with no gaps: a writer
/// claims the first free slot with insert-if-absent, so two writers never
/// take the same one, and an entry is complete the moment it is claimed.
/// `{log}:last` is only a hint where to start looking: it may lag (two
/// writers storing theirs out of order), never lead; a lagging hint costs
/// a few reads.
fn append(
    store: &impl AtomicKeyValue,
    log: &str,
    mut entry: impl FnMut(u64) -> Result<Vec<u8>, StoreError>,
) -> Result<u64, StoreError> {
    let hint_key = format!("{log}:last");
    let mut seq = store
        .get(&hint_key)?
        .and_then(|b| {
            std::str::from_utf8(&b)
                .ok()
                .and_then(|t| t.parse::<u64>().ok())
        })
        .unwrap_or(0);
    for _ in 0..MAX_ATTEMPTS {
        seq += 1;
        if store.compare_and_swap(&slot_key(log, seq), None, &entry(seq)?)? {
            store.set(&hint_key, seq.to_string().as_bytes())?;
            return Ok(seq);
        }
    }
    Err(StoreError(format!("the log {log:?} is too contended")))
}

/// Lists `entry` in the index `index`. Unlike [`append`], any number of
/// writers never collide: each claims its position with one atomic
/// increment, then writes it. A writer that dies in between leaves a gap,
/// which readers skip: fine for an index of cases (each case is stored
/// before it is listed), not for a conversation, whose readers must never
/// skip a message that is still being written.
fn list_in_index(
    store: &impl AtomicKeyValue,
    index: &str,
    entry: &[u8],
) -> Result<u64, StoreError> {
    let seq = store.increment(&index_count_key(index), 1)?;
    let seq = u64::try_from(seq)
        .map_err(|_| StoreError(format!("the index {index:?} has a negative count")))?;
    store.set(&slot_key(index, seq), entry)?;
    Ok(seq)
}

/// Stores a new case under its id, only if the id is free (`false` if taken),
/// and lists it for its parties and the agents' queue.
pub fn insert_case(store: &impl AtomicKeyValue, case: &Case) -> Result<bool, StoreError> {
    if !store.compare_and_swap(&case_key(&case.id), None, &encode(case)?)? {
        return Ok(false);
    }
    let id = encode(&case.id)?;
    // Every creation lists itself here: a log would make them all race for one slot.
    list_in_index(store, ALL_CASES_INDEX, &id)?;
    append(store, &cases_of_log(&case.buyer_id), |_| Ok(id.clone()))?;
    if let Some(seller) = case.seller_id.as_deref().filter(|s| *s != case.buyer_id) {
        append(store, &cases_of_log(seller), |_| Ok(id.clone()))?;
    }
    if case.status.is_open() && case.channel.is_live() {
        store.increment(&open_count_key(case.channel.as_str()), 1)?;
    }
    Ok(true)
}

/// Changes case `id` with `change`, which sees the case as it is now and may
/// refuse (its error is returned, nothing written). Retried on a conflicting
/// write, so `change` must only depend on the case it is given. Keeps the
/// open-case counters in step when the case leaves the open states or
/// comes back to them.
pub fn update_case<E: From<StoreError>>(
    store: &impl AtomicKeyValue,
    id: &str,
    mut change: impl FnMut(&mut Case) -> Result<(), E>,
) -> Result<Option<Case>, E> {
    let key = case_key(id);
    for _ in 0..MAX_ATTEMPTS {
        let Some(current) = store.get(&key)? else {
            return Ok(None);
        };
        let mut case: Case = serde_json::from_slice(&current)
            .map_err(|e| StoreError(format!("case {id} is unreadable: {e}")))?;
        let was_open = case.status.is_open();
        change(&mut case)?;
        if store.compare_and_swap(&key, Some(&current), &encode(&case)?)? {
            let delta = i64::from(case.status.is_open()) - i64::from(was_open);
            if delta != 0 && case.channel.is_live() {
                store.increment(&open_count_key(case.channel.as_str()), delta)?;
            }
            return Ok(Some(case));
        }
    }
    Err(StoreError(format!("case {id} is too contended")).into())
}

/// Appends a message to case `id`; `message.seq` is set to its position.
pub fn append_message(
    store: &impl AtomicKeyValue,
    id: &str,
    message: &mut Message,
) -> Result<(), StoreError> {
    message.seq = append(store, &messages_log(id), |seq| {
        message.seq = seq;
        encode(message)
    })?;
    Ok(())
}

/// An `Idempotency-Key` of `POST /api/cases`, per user. The case id is
/// chosen before the case is stored, so that finishing the request needs no
/// second write here: until case `case_id` exists, the request is in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// SHA-256 of the request body, hex.
    pub body_hash: String,
    pub created_at: i64,
    pub case_id: String,
}

fn idempotency_key(user_id: &str, key_hash: &str) -> String {
    format!("idempotency:{user_id}:{key_hash}")
}

/// What a reservation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key is now ours: go ahead and create.
    Reserved,
    /// Another request holds or held the key.
    Existing(IdempotencyRecord),
}

/// How long idempotency keys live.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyPolicy {
    /// A record older than this is forgotten.
    pub keep_secs: i64,
    /// A request whose case does not exist this long after it reserved
    /// its key has died; a retry may take the key over.
    pub lease_secs: i64,
}

/// Whether an idempotency record still holds its key at `now`: younger
/// than the policy keeps it, and its case stored or its request still
/// within its lease.
pub fn is_live(
    store: &impl KeyValue,
    record: &IdempotencyRecord,
    now: i64,
    policy: IdempotencyPolicy,
) -> Result<bool, StoreError> {
    let age = now - record.created_at;
    Ok(age < policy.keep_secs
        && (age < policy.lease_secs || case(store, &record.case_id)?.is_some()))
}

/// Reserves an idempotency key for `record` (this request's body and case
/// id), unless a live record holds it.
pub fn reserve_idempotency_key(
    store: &impl AtomicKeyValue,
    user_id: &str,
    key_hash: &str,
    record: &IdempotencyRecord,
    policy: IdempotencyPolicy,
) -> Result<Reservation, StoreError> {
    let key = idempotency_key(user_id, key_hash);
    let mine = encode(record)?;
    for _ in 0..MAX_ATTEMPTS {
        let current = store.get(&key)?;
        if let Some(bytes) = &current {
            let held: IdempotencyRecord = serde_json::from_slice(bytes)
                .map_err(|e| StoreError(format!("an idempotency record is unreadable: {e}")))?;
            if is_live(store, &held, record.created_at, policy)? {
                return Ok(Reservation::Existing(held));
            }
        }
        if store.compare_and_swap(&key, current.as_deref(), &mine)? {
            return Ok(Reservation::Reserved);
        }
    }
    Err(StoreError("an idempotency key is too contended".into()))
}

/// The record of an idempotency key, if any.
pub fn idempotency_record(
    store: &impl KeyValue,
    user_id: &str,
    key_hash: &str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    store.get_json(&idempotency_key(user_id, key_hash))
}

/// Points a reserved key at another case id (the first one was taken).
pub fn repoint_idempotency_key(
    store: &impl KeyValue,
    user_id: &str,
    key_hash: &str,
    record: &IdempotencyRecord,
) -> Result<(), StoreError> {
    store.set_json(&idempotency_key(user_id, key_hash), record)
}

/// Frees a reserved key whose request failed, so a corrected retry may use it.
pub fn release_idempotency_key(
    store: &impl KeyValue,
    user_id: &str,
    key_hash: &str,
) -> Result<(), StoreError> {
    store.delete(&idempotency_key(user_id, key_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_case(id: &str, buyer: &str, seller: Option<&str>, channel: Channel) -> Case {
        Case {
            id: id.into(),
            region: "eu-west".into(),
            status: Status::Open,
            channel,
            lang: "en".into(),
            topic: "refunds".into(),
            description: "d".into(),
            opened_by: buyer.into(),
            buyer_id: buyer.into(),
            seller_id: seller.map(str::to_string),
            order: None,
            conversation: None,
            created_at: 1,
            updated_at: 1,
            callback: None,
            resolution: None,
            history: vec![],
        }
    }

    #[test]
    fn a_case_is_listed_for_its_parties_and_counted_open_until_resolved_if_live() {
        let store = MemoryStore::default();
        assert!(
            insert_case(
                &store,
                &new_case("EU-AAAA-AAAA", "u-anna", Some("u-rossi"), Channel::Chat)
            )
            .unwrap()
        );
        assert!(
            insert_case(
                &store,
                &new_case("EU-BBBB-BBBB", "u-marco", Some("u-rossi"), Channel::Email)
            )
            .unwrap()
        );
        assert_eq!(case_ids_of(&store, "u-anna").unwrap(), ["EU-AAAA-AAAA"]);
        assert_eq!(
            case_ids_of(&store, "u-rossi").unwrap(),
            ["EU-AAAA-AAAA", "EU-BBBB-BBBB"]
        );
        assert_eq!(all_case_ids(&store).unwrap().len(), 2);
        assert_eq!(open_cases(&store, "chat").unwrap(), 1);

        let resolved = update_case::<StoreError>(&store, "EU-AAAA-AAAA", |c| {
            c.status = Status::Resolved;
            Ok(())
        });
        assert_eq!(resolved.unwrap().unwrap().status, Status::Resolved);
        assert_eq!(open_cases(&store, "chat").unwrap(), 0);
        assert_eq!(open_cases(&store, "email").unwrap(), 0, "email cases are not counted");
        update_case::<StoreError>(&store, "EU-AAAA-AAAA", |c| {
            c.status = Status::InReview;
            Ok(())
        })
        .unwrap();
        assert_eq!(open_cases(&store, "chat").unwrap(), 1);
    }

    #[test]
    fn an_id_is_never_given_twice() {
        let store = MemoryStore::default();
        assert!(
            insert_case(
                &store,
                &new_case("EU-AAAA-AAAA", "u-anna", None, Channel::Email)
            )
            .unwrap()
        );
        assert!(
            !insert_case(
                &store,
                &new_case("EU-AAAA-AAAA", "u-marco", None, Channel::Email)
            )
            .unwrap()
        );
        assert_eq!(
            case(&store, "EU-AAAA-AAAA").unwrap().unwrap().buyer_id,
            "u-anna"
        );
        assert!(case_ids_of(&store, "u-marco").unwrap().is_empty());
    }

    #[test]
    fn a_refused_change_writes_nothing() {
        let store = MemoryStore::default();
        insert_case(
            &store,
            &new_case("EU-AAAA-AAAA", "u-anna", None, Channel::Email),
        )
        .unwrap();
        let before = store.get("case:EU-AAAA-AAAA").unwrap();
        let refused = update_case(&store, "EU-AAAA-AAAA", |c| {
            c.status = Status::Closed;
            Err(StoreError("no".into()))
        });
        assert!(refused.is_err());
        assert_eq!(store.get("case:EU-AAAA-AAAA").unwrap(), before);
    }

    #[test]
    fn messages_keep_their_order_and_a_lagging_hint_loses_none() {
        let store = MemoryStore::default();
        for body in ["one", "two"] {
            let mut m = Message {
                seq: 0,
                author_id: "u-anna".into(),
                author_role: PartyRole::Buyer,
                channel: Channel::Chat,
                body: body.into(),
                at: 1,
            };
            append_message(&store, "EU-AAAA-AAAA", &mut m).unwrap();
        }
        // A hint that lags (a writer stored its own late): the next append still finds the free slot.
        store.set("case:EU-AAAA-AAAA:messages:last", b"1").unwrap();
        let mut m = Message {
            seq: 0,
            author_id: "u-rossi".into(),
            author_role: PartyRole::Seller,
            channel: Channel::Chat,
            body: "three".into(),
            at: 2,
        };
        append_message(&store, "EU-AAAA-AAAA", &mut m).unwrap();
        assert_eq!(m.seq, 3);
        let all = messages(&store, "EU-AAAA-AAAA", 0, 100).unwrap();
        assert_eq!(
            all.iter()
                .map(|m| (m.seq, m.body.as_str()))
                .collect::<Vec<_>>(),
            [(1, "one"), (2, "two"), (3, "three")]
        );
        assert_eq!(messages(&store, "EU-AAAA-AAAA", 2, 100).unwrap().len(), 1);
        assert_eq!(messages(&store, "EU-AAAA-AAAA", 0, 2).unwrap().len(), 2);
    }

    #[test]
    fn an_idempotency_key_is_reserved_once_and_expires() {
        let store = MemoryStore::default();
        let policy = IdempotencyPolicy {
            keep_secs: 86_400,
            lease_secs: 60,
        };
        let record = |now, id: &str| IdempotencyRecord {
            body_hash: "h".into(),
            created_at: now,
            case_id: id.into(),
        };
        let reserve = |now, id| {
            reserve_idempotency_key(&store, "u-anna", "k", &record(now, id), policy).unwrap()
        };
        assert_eq!(reserve(100, "EU-AAAA-AAAA"), Reservation::Reserved);
        assert_eq!(
            reserve(101, "EU-BBBB-BBBB"),
            Reservation::Existing(record(100, "EU-AAAA-AAAA"))
        );
        // Its case never appeared: the request died, and after the lease a retry takes the key over.
        assert_eq!(reserve(160, "EU-CCCC-CCCC"), Reservation::Reserved);
        insert_case(
            &store,
            &new_case("EU-CCCC-CCCC", "u-anna", None, Channel::Email),
        )
        .unwrap();
        assert_eq!(
            reserve(10_000, "EU-DDDD-DDDD"),
            Reservation::Existing(record(160, "EU-CCCC-CCCC"))
        );
        assert_eq!(reserve(160 + 86_400, "EU-DDDD-DDDD"), Reservation::Reserved);
    }
}
