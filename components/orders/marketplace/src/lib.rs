//! The marketplace as the help center knows it: orders, items and members,
//! kept by `orders` in the `marketplace` store, and the reader every other
//! component (`answers`, `cases`) gets an order's facts and parties with.
//!
//! Access is decided here, once: a caller sees an order only as its buyer or
//! seller, or as an agent; anything else reads as `None`, so callers answer
//! `404` whether the id exists or not. Only `orders` writes (the `writer`
//! feature): the seed data and recent views.

use key_value::{KeyValue, StoreError};
use serde::{Deserialize, Serialize};
use sessions::{Role, User};

#[cfg(feature = "writer")]
pub mod writer;

/// The store `orders` writes and others read.
pub const STORE: &str = "marketplace";

/// How many recently viewed items are kept per user.
pub const RECENT_LIMIT: usize = 20;

/// An amount in the currency's minor units (cents for EUR), never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub amount: i64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

impl Money {
    pub fn eur(amount: i64) -> Self {
        Self {
            amount,
            currency: "EUR".into(),
        }
    }

    /// Three uppercase ASCII letters, as ISO 4217 codes are.
    pub fn is_valid(&self) -> bool {
        self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    AwaitingPayment,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderState {
    pub const ALL: [OrderState; 6] = [
        OrderState::AwaitingPayment,
        OrderState::Paid,
        OrderState::Shipped,
        OrderState::Delivered,
        OrderState::Cancelled,
        OrderState::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::AwaitingPayment => "awaiting_payment",
            OrderState::Paid => "paid",
            OrderState::Shipped => "shipped",
            OrderState::Delivered => "delivered",
            OrderState::Cancelled => "cancelled",
            OrderState::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the buyer should message the seller before the team: the order
    /// is under way or delivered, and the seller has not yet had
    /// [`SELLER_REPLY_WINDOW`] to answer the buyer's last message, sent at
    /// `seller_messaged_at` if ever.
    pub fn seller_first(self, seller_messaged_at: Option<i64>, now: i64) -> bool {
        matches!(self, OrderState::Paid | OrderState::Shipped | OrderState::Delivered)
            && seller_messaged_at.is_none_or(|at| now < at + SELLER_REPLY_WINDOW)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The buyer has not paid yet.
    Pending,
    /// Paid and held until the buyer-protection window closes.
    Held,
    /// Paid out to the seller.
    Released,
    Refunded,
    /// The authorisation was cancelled before any money moved.
    Voided,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub status: PaymentStatus,
    /// e.g. `card`, `ideal`, `paypal`.
    pub method: String,
    pub paid_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub shipped_at: i64,
    pub estimated_delivery_at: i64,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// e.g. `buyer_protection`.
    pub kind: String,
    pub amount: Money,
}

/// How long a seller has to answer a buyer's message (the KB says two days).
pub const SELLER_REPLY_WINDOW: i64 = 2 * 24 * 3600;

/// Times are Unix seconds, like the session's `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub id: String,
    pub buyer_id: String,
    pub seller_id: String,
    pub item_id: String,
    pub state: OrderState,
    pub created_at: i64,
    pub updated_at: i64,
    pub item_price: Money,
    pub shipping: Money,
    pub fees: Vec<Fee>,
    /// What the buyer pays: item, shipping and fees.
    pub total: Money,
    pub payment: Payment,
    pub shipment: Option<Shipment>,
    pub shipping_address: Address,
    /// Until when the buyer can report a problem before the seller is paid.
    pub buyer_protection_until: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub refunded_at: Option<i64>,
    /// When the buyer last messaged the seller about this order, if ever.
    #[serde(default)]
    pub seller_messaged_at: Option<i64>,
}

impl Order {
    /// Shipped, and the carrier's estimate has passed without a delivery.
    pub fn delivery_overdue(&self, now: i64) -> bool {
        self.state == OrderState::Shipped
            && self
                .shipment
                .as_ref()
                .is_some_and(|s| s.delivered_at.is_none() && s.estimated_delivery_at < now)
    }

    /// As [`OrderState::seller_first`].
    pub fn seller_first(&self, now: i64) -> bool {
        self.state.seller_first(self.seller_messaged_at, now)
    }

    /// Amounts in one ISO 4217 currency, adding up; what an upstream must send.
    pub fn is_consistent(&self) -> bool {
        let amounts = [&self.item_price, &self.shipping, &self.total]
            .into_iter()
            .chain(self.fees.iter().map(|f| &f.amount));
        let mut same_currency = true;
        for m in amounts {
            same_currency &= m.is_valid() && m.currency == self.total.currency && m.amount >= 0;
        }
        let sum = self.fees.iter().try_fold(
            self.item_price.amount.checked_add(self.shipping.amount),
            |acc, f| Some(acc.and_then(|a| a.checked_add(f.amount.amount))),
        );
        same_currency && sum.flatten() == Some(self.total.amount)
    }
}

/// An order as lists show it: enough to pick one, a third of the bytes of
/// the whole order (lists are read on every visit to the help center).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: String,
    pub buyer_id: String,
    pub seller_id: String,
    pub item_id: String,
    /// Known for seeded orders; an upstream's orders carry only the item id.
    pub item_title: Option<String>,
    pub state: OrderState,
    pub created_at: i64,
    pub updated_at: i64,
    pub total: Money,
    pub payment_status: PaymentStatus,
    pub estimated_delivery_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

impl OrderSummary {
    pub fn of(order: &Order, item_title: Option<String>) -> Self {
        Self {
            id: order.id.clone(),
            buyer_id: order.buyer_id.clone(),
            seller_id: order.seller_id.clone(),
            item_id: order.item_id.clone(),
            item_title,
            state: order.state,
            created_at: order.created_at,
            updated_at: order.updated_at,
            total: order.total.clone(),
            payment_status: order.payment.status,
            estimated_delivery_at: order.shipment.as_ref().map(|s| s.estimated_delivery_at),
            delivered_at: order.shipment.as_ref().and_then(|s| s.delivered_at),
        }
    }

    /// As [`Order::delivery_overdue`].
    pub fn delivery_overdue(&self, now: i64) -> bool {
        self.state == OrderState::Shipped
            && self.delivered_at.is_none()
            && self.estimated_delivery_at.is_some_and(|t| t < now)
    }
}

/// Who an order is between and where it stands: what choosing a way to
/// reach the team needs. It is read on every such request, so reading it
/// builds none of the order's money, shipment and address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderStanding {
    pub id: String,
    pub buyer_id: String,
    pub seller_id: String,
    pub state: OrderState,
    #[serde(default)]
    pub seller_messaged_at: Option<i64>,
}

impl OrderStanding {
    pub fn of(order: &Order) -> Self {
        Self {
            id: order.id.clone(),
            buyer_id: order.buyer_id.clone(),
            seller_id: order.seller_id.clone(),
            state: order.state,
            seller_messaged_at: order.seller_messaged_at,
        }
    }

    /// As [`OrderState::seller_first`].
    pub fn seller_first(&self, now: i64) -> bool {
        self.state.seller_first(self.seller_messaged_at, now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub seller_id: String,
    pub title: String,
    pub description: String,
    pub category: String,
    /// `new`, `like_new`, `good` or `fair`.
    pub condition: String,
    pub price: Money,
    pub image_urls: Vec<String>,
    /// Still for sale, so anyone signed in may look at it; sold items are
    /// visible to their parties only.
    pub listed: bool,
}

/// A buyer or seller on the marketplace, as the help center shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub seller: bool,
    pub country: String,
    pub member_since: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentView {
    pub item_id: String,
    pub viewed_at: i64,
}

/// Everything known about one order, for an answer or a case. The store
/// keeps an order this way, so its page is one read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderFacts {
    pub order: Order,
    pub item: Option<Item>,
    pub buyer: Option<Member>,
    pub seller: Option<Member>,
}

// The keys, in one place: nobody else spells them.
/// An order's [`OrderFacts`].
fn order_key(id: &str) -> String {
    format!("order:{id}")
}
fn item_key(id: &str) -> String {
    format!("item:{id}")
}
fn member_key(id: &str) -> String {
    format!("member:{id}")
}
/// The summaries of the orders a user is buyer or seller of: a list is one
/// read, not one per order (the seed writes them with the orders).
fn orders_of_key(user_id: &str) -> String {
    format!("orders-of:{user_id}")
}
/// The summary of every order, for agents.
const ALL_ORDERS_KEY: &str = "orders:all";
fn recent_key(user_id: &str) -> String {
    format!("recent:{user_id}")
}

/// Who an order is between; every form of an order knows, and who may see
/// it is decided on that alone.
pub trait Parties {
    fn buyer_id(&self) -> &str;
    fn seller_id(&self) -> &str;

    fn is_party(&self, user_id: &str) -> bool {
        self.buyer_id() == user_id || self.seller_id() == user_id
    }
}

impl Parties for Order {
    fn buyer_id(&self) -> &str {
        &self.buyer_id
    }
    fn seller_id(&self) -> &str {
        &self.seller_id
    }
}

impl Parties for OrderSummary {
    fn buyer_id(&self) -> &str {
        &self.buyer_id
    }
    fn seller_id(&self) -> &str {
        &self.seller_id
    }
}

impl Parties for OrderStanding {
    fn buyer_id(&self) -> &str {
        &self.buyer_id
    }
    fn seller_id(&self) -> &str {
        &self.seller_id
    }
}

/// Whether `caller` may see `order`: a party to it, or an agent.
pub fn can_see_order(caller: &User, order: &impl Parties) -> bool {
    caller.has_role(Role::Agent) || order.is_party(&caller.id)
}

/// Whether `caller` may see `item`: an agent, its seller, a listing still
/// for sale, or one the caller bought or viewed.
pub fn can_see_item(caller: &User, item: &Item, bought_or_viewed: bool) -> bool {
    caller.has_role(Role::Agent) || item.seller_id == caller.id || item.listed || bought_or_viewed
}

/// Ids are short ASCII tokens (`ord-7Q2K9`); anything else cannot exist, so
/// it is not even looked up (no path tricks reach the store).
pub fn is_plausible_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where the order stands, if `caller` may see it. Only those fields are
/// built: the rest of the order, its item and parties are skipped.
pub fn standing_for(
    store: &impl KeyValue,
    caller: &User,
    id: &str,
) -> Result<Option<OrderStanding>, StoreError> {
    #[derive(Deserialize)]
    struct StandingOnly {
        order: OrderStanding,
    }
    if !is_plausible_id(id) {
        return Ok(None);
    }
    Ok(store
        .get_json::<StandingOnly>(&order_key(id))?
        .map(|record| record.order)
        .filter(|order| can_see_order(caller, order)))
}

/// The orders `caller` may see (as buyer or seller; every order for agents), newest first.
pub fn orders_for(store: &impl KeyValue, caller: &User) -> Result<Vec<OrderSummary>, StoreError> {
    let key = if caller.has_role(Role::Agent) {
        ALL_ORDERS_KEY.to_string()
    } else {
        orders_of_key(&caller.id)
    };
    let mut orders: Vec<OrderSummary> = store.get_json(&key)?.unwrap_or_default();
    orders.retain(|o| can_see_order(caller, o));
    sort_newest_first(&mut orders);
    Ok(orders)
}

/// Newest first; ties broken by id so pages are stable.
pub fn sort_newest_first(orders: &mut [OrderSummary]) {
    orders.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// An item, whoever may see it (no access check: for callers that already decided).
pub fn item(store: &impl KeyValue, id: &str) -> Result<Option<Item>, StoreError> {
    if !is_plausible_id(id) {
        return Ok(None);
    }
    store.get_json(&item_key(id))
}

/// The caller's recently viewed items, newest first.
pub fn recent_views(store: &impl KeyValue, user_id: &str) -> Result<Vec<RecentView>, StoreError> {
    Ok(store.get_json(&recent_key(user_id))?.unwrap_or_default())
}

/// The item, if `caller` may see it.
pub fn item_for(
    store: &impl KeyValue,
    caller: &User,
    id: &str,
) -> Result<Option<Item>, StoreError> {
    let Some(item) = item(store, id)? else {
        return Ok(None);
    };
    if can_see_item(caller, &item, false) {
        return Ok(Some(item));
    }
    let viewed = recent_views(store, &caller.id)?
        .iter()
        .any(|v| v.item_id == id);
    let bought = viewed || orders_for(store, caller)?.iter().any(|o| o.item_id == id);
    Ok(can_see_item(caller, &item, bought).then_some(item))
}

pub fn member(store: &impl KeyValue, id: &str) -> Result<Option<Member>, StoreError> {
    if !is_plausible_id(id) {
        return Ok(None);
    }
    store.get_json(&member_key(id))
}

/// An order with its item and both parties, if `caller` may see it: what
/// `answers` and `cases` build on.
pub fn order_facts(
    store: &impl KeyValue,
    caller: &User,
    id: &str,
) -> Result<Option<OrderFacts>, StoreError> {
    if !is_plausible_id(id) {
        return Ok(None);
    }
    Ok(store
        .get_json::<OrderFacts>(&order_key(id))?
        .filter(|f| can_see_order(caller, &f.order)))
}
