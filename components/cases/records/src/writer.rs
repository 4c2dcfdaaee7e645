//! Writing the cases store: `cases` only. Everything two requests can
//! write at once goes through compare-and-swap or an atomic increment.

use super::*;
use key_value::{HookedStore, MemoryStore};

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

/// Claims the next position of the index `index` (1, 2, ...) with one
/// atomic increment: no two writers ever get the same one, on this host or
/// on either of Spin's stores. (Claiming a slot with insert-if-absent did
/// not hold on Spin: see "The project's host" in the README.)
fn claim_position(store: &impl AtomicKeyValue, index: &str) -> Result<u64, StoreError> {
    let seq = store.increment(&index_count_key(index), 1)?;
    u64::try_from(seq).map_err(|_| StoreError(format!("the index {index:?} has a negative count")))
}

/// Stores a new case under its id, unless the id is taken (`false`), and
/// lists it for its parties and the agents' queue. Its list positions are
/// claimed first, one atomic increment each; then the case and its list
/// entries are written in one batch: one commit on Spin's SQLite store, one
/// `MSET` on Redis. A reader skips an entry whose case is not there (yet),
/// and a position whose entry is not (see [`cases_of`] and [`queue`]), so a
/// writer that dies on the way lists nothing.
pub fn insert_case(store: &impl AtomicKeyValue, case: &Case) -> Result<bool, StoreError> {
    let key = case_key(&case.id);
    // Ids carry 80 random bits: this read catches the one-in-10^24 repeat of
    // an older id. Two requests drawing one id at the same moment is rarer
    // still, so it is not guarded against.
    if store.get(&key)?.is_some() {
        return Ok(false);
    }
    let mut indexes = vec![
        ALL_CASES_INDEX.to_string(),
        party_cases_index(&case.buyer_id),
    ];
    if let Some(seller) = case.seller_id.as_deref().filter(|s| *s != case.buyer_id) {
        indexes.push(party_cases_index(seller));
    }
    let id = encode(&case.id)?;
    let queue_entry = encode(&QueueEntry::Listed {
        id: case.id.clone(),
        at: case.created_at,
    })?;
    let mut entries = vec![(key, encode(case)?)];
    for index in &indexes {
        let seq = claim_position(store, index)?;
        let entry = if index == ALL_CASES_INDEX { &queue_entry } else { &id };
        entries.push((slot_key(index, seq), entry.clone()));
    }
    store.set_many(&entries)?;
    if case.status.is_open() && case.channel.is_live() {
        store.increment(&open_count_key(case.channel.as_str()), 1)?;
    }
    Ok(true)
}

/// Changes case `id` with `change`, which sees the case as it is now and may
/// refuse (its error is returned, nothing written). Retried on a conflicting
/// write, so `change` must only depend on the case it is given. Keeps the
/// open-case counters in step when the case leaves the open states or
/// comes back to them; a case that comes back enters the agents' queue
/// again, at its end (see [`queue`]), at the `updated_at` that `change`
/// stamps it with.
pub fn update_case<E: From<StoreError>>(
    store: &impl AtomicKeyValue,
    id: &str,
    mut change: impl FnMut(&mut Case) -> Result<(), E>,
) -> Result<Option<Case>, E> {
    let key = case_key(id);
    let mut listed_again = false;
    for _ in 0..MAX_ATTEMPTS {
        let Some(current) = store.get(&key)? else {
            return Ok(None);
        };
        let mut case: Case = serde_json::from_slice(&current)
            .map_err(|e| StoreError(format!("case {id} is unreadable: {e}")))?;
        let was_open = case.status.is_open();
        change(&mut case)?;
        let delta = i64::from(case.status.is_open()) - i64::from(was_open);
        // A case that comes back is listed before it is stored open: a write
        // that fails in between leaves an entry of a settled case, which
        // walks skip, and a retry that reopens it. The other way round, it
        // would leave an open case that no walk from the start finds, and a
        // retry that changes nothing. [`queue`] waits for a new entry's case.
        if delta > 0 && !listed_again {
            let seq = claim_position(store, ALL_CASES_INDEX)?;
            let entry = QueueEntry::Listed { id: case.id.clone(), at: case.updated_at };
            store.set(&slot_key(ALL_CASES_INDEX, seq), &encode(&entry)?)?;
            listed_again = true;
        }
        if store.compare_and_swap(&key, Some(&current), &encode(&case)?)? {
            if delta != 0 && case.channel.is_live() {
                store.increment(&open_count_key(case.channel.as_str()), delta)?;
            }
            return Ok(Some(case));
        }
    }
    Err(StoreError(format!("case {id} is too contended")).into())
}

/// An entry of [`ALL_CASES_INDEX`]: the case, and the time its writer had
/// when it claimed the position. Earlier versions listed the bare id, when
/// the case opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum QueueEntry {
    Listed { id: String, at: i64 },
    Opened(String),
}

impl QueueEntry {
    fn id(&self) -> &str {
        match self {
            QueueEntry::Listed { id, .. } | QueueEntry::Opened(id) => id,
        }
    }

    /// When its writer claimed the position, at the latest minus the
    /// request deadline: for a bare id, when its case opened.
    fn at(&self, case: &Listing) -> i64 {
        match self {
            QueueEntry::Listed { at, .. } => *at,
            QueueEntry::Opened(_) => case.created_at,
        }
    }
}

/// At most this many entries of the queue are read for one page of it.
pub const QUEUE_SCAN: u64 = 5_000;

/// One page of the agents' queue.
#[derive(Debug, Default)]
pub struct QueuePage {
    pub cases: Vec<Listing>,
    /// How many cases the walk found wanted, on this page or after it.
    pub total: usize,
    /// Where the walk stopped, [`QUEUE_SCAN`] entries on, when the queue goes
    /// further: what to ask `after` next. `None` when it read to the end.
    pub next_after: Option<u64>,
}

/// The cases `wanted` accepts, oldest first by when they entered the queue
/// (opened, or reopened): at most `limit` of them, from the entries after
/// position `after`, reading at most [`QUEUE_SCAN`] entries.
///
/// When only open cases are wanted (`only_open`), the walk starts no earlier
/// than the queue's start (the key `cases:queue-start`), and moves that start past
/// the resolved and closed cases it reads first: a case that is reopened is
/// listed again at the end, so none is ever left behind it. An entry is
/// passed only once it is [`IN_FLIGHT_GRACE_SECS`] old: a reopen lists its
/// case a moment before it stores it open (see [`update_case`]), and an
/// empty position before the entry (a writer in flight, or one that died)
/// is then as old. The start is moved by compare-and-swap, so a walk that
/// read an older state moves it nowhere. Without this, every page of the
/// queue would read every case ever opened.
pub fn queue(
    store: &impl AtomicKeyValue,
    after: u64,
    only_open: bool,
    limit: usize,
    now: i64,
    wanted: impl Fn(&Listing) -> bool,
) -> Result<QueuePage, StoreError> {
    let claimed = claimed_positions(store, ALL_CASES_INDEX)?;
    let stored_start = if only_open { store.get(QUEUE_START_KEY)? } else { None };
    let start: u64 = match &stored_start {
        Some(bytes) => serde_json::from_slice(bytes)
            .map_err(|e| StoreError(format!("the queue's start is unreadable: {e}")))?,
        None => 1,
    }
    .max(1);
    let first = if only_open { after.max(start - 1) + 1 } else { after + 1 };
    let last = claimed.min(first - 1 + QUEUE_SCAN);
    // Moving the start only makes sense from the start.
    let mut moving = only_open && first == start;
    let mut new_start = start;
    let mut listed = std::collections::HashSet::new();
    let mut page = QueuePage::default();
    for position in first..=last {
        let entry: Option<QueueEntry> = store.get_json(&slot_key(ALL_CASES_INDEX, position))?;
        let found = match entry {
            Some(entry) => listing(store, entry.id())?.map(|case| (entry.at(&case), case)),
            None => None,
        };
        let Some((at, case)) = found else {
            continue;
        };
        if moving {
            if case.status.is_open() || at > now - IN_FLIGHT_GRACE_SECS {
                moving = false;
            } else {
                new_start = position + 1;
            }
        }
        // A reopened case may be listed twice: once is enough.
        if wanted(&case) && listed.insert(case.id.clone()) {
            page.total += 1;
            if page.cases.len() < limit {
                page.cases.push(case);
            }
        }
    }
    if new_start > start {
        store.compare_and_swap(QUEUE_START_KEY, stored_start.as_deref(), &encode(&new_start)?)?;
    }
    page.next_after = (last < claimed).then_some(last);
    Ok(page)
}

/// Appends a message to case `id`; `message.seq` is set to its position.
/// The position is claimed as an index's is; until the message is written
/// there, readers wait for it (see [`messages`]).
pub fn append_message(
    store: &impl AtomicKeyValue,
    id: &str,
    message: &mut Message,
) -> Result<(), StoreError> {
    let log = messages_log(id);
    message.seq = claim_position(store, &log)?;
    store.set(&slot_key(&log, message.seq), &encode(message)?)
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

/// A compare-and-swap is a write too: the test's hook runs before it.
impl<F: Fn(&MemoryStore, &str) -> Result<(), StoreError>> AtomicKeyValue for HookedStore<'_, F> {
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, StoreError> {
        (self.before_write)(self.inner, key)?;
        self.inner.compare_and_swap(key, expected, new)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        self.inner.increment(key, delta)
    }
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

    /// Every case `user` is a party to, newest first.
    fn case_ids_of(store: &impl AtomicKeyValue, user: &str) -> Vec<String> {
        ids(cases_of(store, user, None, usize::MAX).unwrap().cases)
    }

    /// Every case in the agents' queue, whatever its status, in its order.
    fn all_case_ids(store: &impl AtomicKeyValue) -> Vec<String> {
        ids(queue(store, 0, false, usize::MAX, 1, |_| true).unwrap().cases)
    }

    fn ids(cases: Vec<Listing>) -> Vec<String> {
        cases.into_iter().map(|c| c.id).collect()
    }

    fn set_status(store: &MemoryStore, id: &str, status: Status, now: i64) {
        update_case::<StoreError>(store, id, |c| {
            c.status = status;
            c.updated_at = now;
            Ok(())
        })
        .unwrap()
        .unwrap();
    }

    fn open_queue(store: &MemoryStore, now: i64) -> QueuePage {
        queue(store, 0, true, usize::MAX, now, |c| c.status.is_open()).unwrap()
    }

    fn queue_start(store: &MemoryStore) -> Option<u64> {
        store.get_json(QUEUE_START_KEY).unwrap()
    }

    #[test]
    fn a_listing_read_from_the_store_is_the_cases_own() {
        let store = MemoryStore::default();
        let case = new_case("EU-AAAA-AAAA", "u-anna", Some("u-rossi"), Channel::Chat);
        insert_case(&store, &case).unwrap();
        assert_eq!(listing(&store, &case.id).unwrap(), Some(Listing::of(&case)));
        assert_eq!(listing(&store, "EU-NONE-NONE").unwrap(), None);
    }

    #[test]
    fn a_users_cases_come_newest_first_a_page_at_a_time() {
        let store = MemoryStore::default();
        for n in 1..=5 {
            insert_case(&store, &new_case(&format!("EU-AAAA-000{n}"), "u-anna", None, Channel::Email)).unwrap();
        }
        let page = cases_of(&store, "u-anna", None, 2).unwrap();
        assert_eq!((ids(page.cases), page.total, page.next_before), (vec!["EU-AAAA-0005".to_string(), "EU-AAAA-0004".into()], 5, Some(4)));
        let page = cases_of(&store, "u-anna", Some(4), 2).unwrap();
        assert_eq!((ids(page.cases), page.next_before), (vec!["EU-AAAA-0003".to_string(), "EU-AAAA-0002".into()], Some(2)));
        let page = cases_of(&store, "u-anna", Some(2), 2).unwrap();
        assert_eq!((ids(page.cases), page.next_before), (vec!["EU-AAAA-0001".to_string()], None));
        assert!(cases_of(&store, "u-marco", None, 2).unwrap().cases.is_empty());
    }

    #[test]
    fn the_queue_starts_after_settled_cases_and_a_reopened_case_comes_back_at_its_end() {
        let store = MemoryStore::default();
        for id in ["EU-AAAA-AAAA", "EU-BBBB-BBBB", "EU-CCCC-CCCC"] {
            insert_case(&store, &new_case(id, "u-anna", None, Channel::Email)).unwrap();
        }
        set_status(&store, "EU-AAAA-AAAA", Status::Resolved, 2);
        set_status(&store, "EU-BBBB-BBBB", Status::Closed, 2);
        let page = open_queue(&store, 1 + IN_FLIGHT_GRACE_SECS);
        assert_eq!((ids(page.cases), page.total), (vec!["EU-CCCC-CCCC".to_string()], 1));
        assert_eq!(queue_start(&store), Some(3), "the open case holds the start");

        set_status(&store, "EU-AAAA-AAAA", Status::InReview, 100);
        let page = open_queue(&store, 101);
        assert_eq!(ids(page.cases), ["EU-CCCC-CCCC", "EU-AAAA-AAAA"]);
        // Every case is listed once, whatever its status.
        assert_eq!(all_case_ids(&store), ["EU-AAAA-AAAA", "EU-BBBB-BBBB", "EU-CCCC-CCCC"]);

        set_status(&store, "EU-CCCC-CCCC", Status::WaitingOnBuyer, 102);
        set_status(&store, "EU-CCCC-CCCC", Status::InReview, 102);
        set_status(&store, "EU-CCCC-CCCC", Status::Closed, 102);
        set_status(&store, "EU-AAAA-AAAA", Status::Closed, 102);
        assert!(open_queue(&store, 103).cases.is_empty());
        assert_eq!(queue_start(&store), Some(4), "a new entry holds the start while it is young");
        assert!(open_queue(&store, 100 + IN_FLIGHT_GRACE_SECS).cases.is_empty());
        assert_eq!(queue_start(&store), Some(5), "past the reopened case's new entry");
    }

    #[test]
    fn a_reopen_that_fails_halfway_can_be_retried_and_the_case_is_queued() {
        let failed = std::cell::Cell::new(true);
        // Fails the write of a queue entry, once.
        let inner = MemoryStore::default();
        let store = HookedStore {
            inner: &inner,
            before_write: |_: &MemoryStore, key: &str| {
                let queue_position = key
                    .strip_prefix(ALL_CASES_INDEX)
                    .and_then(|k| k.strip_prefix(':'))
                    .is_some_and(|n| n.parse::<u64>().is_ok());
                if queue_position && !failed.replace(true) {
                    return Err(StoreError("the store is unreachable".into()));
                }
                Ok(())
            },
        };
        insert_case(&store, &new_case("EU-AAAA-AAAA", "u-anna", None, Channel::Chat)).unwrap();
        set_status(store.inner, "EU-AAAA-AAAA", Status::Resolved, 1);
        open_queue(store.inner, 1 + IN_FLIGHT_GRACE_SECS);
        failed.set(false);

        let reopen = || {
            update_case::<StoreError>(&store, "EU-AAAA-AAAA", |c| {
                if c.status.is_open() {
                    return Err(StoreError("already open".into()));
                }
                c.status = Status::InReview;
                c.updated_at = 100;
                Ok(())
            })
        };
        assert!(reopen().is_err(), "the queue entry's write fails");
        reopen().expect("the retry reopens the case");
        assert_eq!(ids(open_queue(store.inner, 101).cases), ["EU-AAAA-AAAA"]);
        assert_eq!(open_cases(&store, "chat").unwrap(), 1);
    }

    #[test]
    fn a_walk_between_listing_a_reopened_case_and_storing_it_does_not_pass_it() {
        // Walks the open queue, as another request would, just before a case is stored.
        let inner = MemoryStore::default();
        let store = HookedStore {
            inner: &inner,
            before_write: |inner: &MemoryStore, key: &str| {
                if key.starts_with(&case_key("")) {
                    open_queue(inner, 100);
                }
                Ok(())
            },
        };
        insert_case(store.inner, &new_case("EU-AAAA-AAAA", "u-anna", None, Channel::Email)).unwrap();
        set_status(store.inner, "EU-AAAA-AAAA", Status::Resolved, 2);
        update_case::<StoreError>(&store, "EU-AAAA-AAAA", |c| {
            c.status = Status::InReview;
            c.updated_at = 100;
            Ok(())
        })
        .unwrap();
        assert_eq!(queue_start(store.inner), Some(2), "past the settled entry, not the new one");
        assert_eq!(ids(open_queue(store.inner, 101).cases), ["EU-AAAA-AAAA"]);
    }

    #[test]
    fn an_unwritten_position_holds_the_start_until_a_later_entry_is_old() {
        let store = MemoryStore::default();
        // A writer in flight has claimed position 1; position 2 is a bare id,
        // as earlier versions listed cases.
        claim_position(&store, ALL_CASES_INDEX).unwrap();
        let seq = claim_position(&store, ALL_CASES_INDEX).unwrap();
        let mut closed = new_case("EU-BBBB-BBBB", "u-anna", None, Channel::Email);
        closed.status = Status::Closed;
        closed.created_at = 100;
        store.set(&case_key(&closed.id), &encode(&closed).unwrap()).unwrap();
        store.set(&slot_key(ALL_CASES_INDEX, seq), &encode(&closed.id).unwrap()).unwrap();

        assert!(open_queue(&store, 100 + IN_FLIGHT_GRACE_SECS - 1).cases.is_empty());
        assert_eq!(queue_start(&store), None);
        assert_eq!(all_case_ids(&store), ["EU-BBBB-BBBB"]);
        open_queue(&store, 100 + IN_FLIGHT_GRACE_SECS);
        assert_eq!(queue_start(&store), Some(3));
    }

    #[test]
    fn a_walk_reads_at_most_a_scan_and_says_where_to_go_on() {
        let store = MemoryStore::default();
        let all = QUEUE_SCAN + 3;
        for n in 1..=all {
            insert_case(&store, &new_case(&format!("EU-{n:08}"), "u-anna", None, Channel::Email)).unwrap();
        }
        let page = queue(&store, 0, false, 10, 1, |_| true).unwrap();
        assert_eq!((page.cases.len(), page.total, page.next_after), (10, QUEUE_SCAN as usize, Some(QUEUE_SCAN)));
        let page = queue(&store, QUEUE_SCAN, false, 10, 1, |_| true).unwrap();
        assert_eq!((ids(page.cases).len(), page.total, page.next_after), (3, 3, None));
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
        assert_eq!(case_ids_of(&store, "u-anna"), ["EU-AAAA-AAAA"]);
        assert_eq!(
            case_ids_of(&store, "u-rossi"),
            ["EU-BBBB-BBBB", "EU-AAAA-AAAA"]
        );
        assert_eq!(all_case_ids(&store).len(), 2);
        assert_eq!(open_cases(&store, "chat").unwrap(), 1);

        let resolved = update_case::<StoreError>(&store, "EU-AAAA-AAAA", |c| {
            c.status = Status::Resolved;
            Ok(())
        });
        assert_eq!(resolved.unwrap().unwrap().status, Status::Resolved);
        assert_eq!(open_cases(&store, "chat").unwrap(), 0);
        assert_eq!(
            open_cases(&store, "email").unwrap(),
            0,
            "email cases are not counted"
        );
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
        assert!(case_ids_of(&store, "u-marco").is_empty());
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

    fn message(author: &str, role: PartyRole, body: &str, at: i64) -> Message {
        Message {
            seq: 0,
            author_id: author.into(),
            author_role: role,
            channel: Channel::Chat,
            body: body.into(),
            at,
        }
    }

    fn seqs_and_bodies(messages: &[Message]) -> Vec<(u64, &str)> {
        messages.iter().map(|m| (m.seq, m.body.as_str())).collect()
    }

    #[test]
    fn messages_keep_their_order_and_page_by_position() {
        let store = MemoryStore::default();
        for (author, role, body) in [
            ("u-anna", PartyRole::Buyer, "one"),
            ("u-rossi", PartyRole::Seller, "two"),
            ("u-anna", PartyRole::Buyer, "three"),
        ] {
            let mut m = message(author, role, body, 1);
            append_message(&store, "EU-AAAA-AAAA", &mut m).unwrap();
        }
        let all = messages(&store, "EU-AAAA-AAAA", 0, 100, 2).unwrap();
        assert_eq!(
            seqs_and_bodies(&all),
            [(1, "one"), (2, "two"), (3, "three")]
        );
        assert_eq!(
            seqs_and_bodies(&messages(&store, "EU-AAAA-AAAA", 2, 100, 2).unwrap()),
            [(3, "three")]
        );
        assert_eq!(messages(&store, "EU-AAAA-AAAA", 0, 2, 2).unwrap().len(), 2);
        assert!(
            messages(&store, "EU-BBBB-BBBB", 0, 100, 2)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_claimed_slot_still_unwritten_holds_back_later_messages_until_its_writer_is_surely_gone() {
        let store = MemoryStore::default();
        let mut first = message("u-anna", PartyRole::Buyer, "one", 100);
        append_message(&store, "EU-AAAA-AAAA", &mut first).unwrap();
        // A writer claims slot 2 and has not written it yet (or died before it could).
        let log = messages_log("EU-AAAA-AAAA");
        assert_eq!(claim_position(&store, &log).unwrap(), 2);
        let mut third = message("u-rossi", PartyRole::Seller, "three", 100);
        append_message(&store, "EU-AAAA-AAAA", &mut third).unwrap();
        assert_eq!(third.seq, 3);

        // Within the grace a poller stops before the gap, so it cannot pass a message still being written...
        let soon = 100 + IN_FLIGHT_GRACE_SECS - 1;
        assert_eq!(
            seqs_and_bodies(&messages(&store, "EU-AAAA-AAAA", 0, 100, soon).unwrap()),
            [(1, "one")]
        );
        assert!(
            messages(&store, "EU-AAAA-AAAA", 1, 100, soon)
                .unwrap()
                .is_empty()
        );
        // ...and when the message arrives, it gets it and what followed.
        let mut late = message("u-anna", PartyRole::Buyer, "two", 101);
        late.seq = 2;
        store
            .set(&slot_key(&log, 2), &encode(&late).unwrap())
            .unwrap();
        assert_eq!(
            seqs_and_bodies(&messages(&store, "EU-AAAA-AAAA", 1, 100, soon).unwrap()),
            [(2, "two"), (3, "three")]
        );

        // A slot left empty for good is passed once a later message is older than the grace.
        assert_eq!(claim_position(&store, &log).unwrap(), 4);
        let mut fifth = message("u-rossi", PartyRole::Seller, "five", 200);
        append_message(&store, "EU-AAAA-AAAA", &mut fifth).unwrap();
        assert_eq!(
            seqs_and_bodies(&messages(&store, "EU-AAAA-AAAA", 3, 100, 200 + 59).unwrap()),
            []
        );
        assert_eq!(
            seqs_and_bodies(
                &messages(
                    &store,
                    "EU-AAAA-AAAA",
                    3,
                    100,
                    200 + IN_FLIGHT_GRACE_SECS
                )
                .unwrap()
            ),
            [(5, "five")]
        );
    }

    /// A store that fails the way a real one can. `swaps_refused`: its
    /// compare-and-swap cannot be trusted, as Spin's cannot (see "The
    /// project's host" in the README), so here it refuses outright.
    /// `batches_fail`: the backend goes away before a batch is written.
    #[derive(Default)]
    struct FaultyStore {
        inner: MemoryStore,
        swaps_refused: bool,
        batches_fail: bool,
    }

    impl KeyValue for FaultyStore {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.inner.get(key)
        }
        fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
            self.inner.set(key, value)
        }
        fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.inner.delete(key)
        }
        fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
            if self.batches_fail {
                return Err(StoreError("the store went away".into()));
            }
            self.inner.set_many(entries)
        }
    }

    impl AtomicKeyValue for FaultyStore {
        fn compare_and_swap(
            &self,
            key: &str,
            expected: Option<&[u8]>,
            new: &[u8],
        ) -> Result<bool, StoreError> {
            if self.swaps_refused {
                return Err(StoreError(format!("compare-and-swap of {key:?} refused")));
            }
            self.inner.compare_and_swap(key, expected, new)
        }
        fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
            self.inner.increment(key, delta)
        }
    }

    #[test]
    fn messages_need_no_compare_and_swap_only_increments() {
        let store = FaultyStore {
            swaps_refused: true,
            ..FaultyStore::default()
        };
        for body in ["one", "two"] {
            let mut m = message("u-anna", PartyRole::Buyer, body, 1);
            append_message(&store, "EU-AAAA-AAAA", &mut m).unwrap();
        }
        assert_eq!(
            seqs_and_bodies(&messages(&store, "EU-AAAA-AAAA", 0, 100, 2).unwrap()),
            [(1, "one"), (2, "two")]
        );
    }

    #[test]
    fn a_case_list_skips_a_position_its_writer_never_filled() {
        let store = MemoryStore::default();
        let index = party_cases_index("u-anna");
        assert_eq!(claim_position(&store, &index).unwrap(), 1);
        insert_case(
            &store,
            &new_case("EU-AAAA-AAAA", "u-anna", None, Channel::Email),
        )
        .unwrap();
        assert_eq!(case_ids_of(&store, "u-anna"), ["EU-AAAA-AAAA"]);
    }

    #[test]
    fn a_new_case_needs_no_compare_and_swap() {
        let store = FaultyStore {
            swaps_refused: true,
            ..FaultyStore::default()
        };
        let case = new_case("EU-AAAA-AAAA", "u-anna", Some("u-rossi"), Channel::Email);
        assert!(insert_case(&store, &case).unwrap());
        assert_eq!(case_ids_of(&store, "u-rossi"), ["EU-AAAA-AAAA"]);
    }

    #[test]
    fn a_case_whose_batch_was_never_written_is_neither_stored_nor_listed() {
        let mut store = FaultyStore {
            batches_fail: true,
            ..FaultyStore::default()
        };
        let lost = new_case("EU-AAAA-AAAA", "u-anna", Some("u-rossi"), Channel::Email);
        assert!(insert_case(&store, &lost).is_err());
        assert_eq!(case(&store, "EU-AAAA-AAAA").unwrap(), None);
        assert!(case_ids_of(&store, "u-anna").is_empty());
        assert!(all_case_ids(&store).is_empty());

        // The positions it claimed stay empty; the next case is listed after them.
        store.batches_fail = false;
        let next = new_case("EU-BBBB-BBBB", "u-anna", Some("u-rossi"), Channel::Email);
        assert!(insert_case(&store, &next).unwrap());
        assert_eq!(case_ids_of(&store, "u-anna"), ["EU-BBBB-BBBB"]);
        assert_eq!(case_ids_of(&store, "u-rossi"), ["EU-BBBB-BBBB"]);
        assert_eq!(all_case_ids(&store), ["EU-BBBB-BBBB"]);
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
