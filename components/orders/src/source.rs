//! Where orders and items come from: the seeded `marketplace` store, or an
//! upstream orders API (see `upstream`). Handlers only see this trait, so
//! both sources get the same access rules and the same answers.

use api_conventions::Problem;
use key_value::{KeyValue, StoreError};
use marketplace::{Item, Member, Order, OrderFacts, OrderSummary};
use sessions::User;

pub trait Source {
    /// The orders `caller` may see, in any order.
    fn orders(&self, caller: &User) -> Result<Vec<OrderSummary>, Problem>;
    /// The order, if it exists and `caller` may see it.
    fn order(&self, caller: &User, id: &str) -> Result<Option<Order>, Problem>;
    /// The order with its item and parties, if `caller` may see it.
    fn order_facts(&self, caller: &User, id: &str) -> Result<Option<OrderFacts>, Problem> {
        let Some(order) = self.order(caller, id)? else { return Ok(None) };
        Ok(Some(OrderFacts {
            item: self.item(&order.item_id)?,
            buyer: self.member(&order.buyer_id)?,
            seller: self.member(&order.seller_id)?,
            order,
        }))
    }
    /// The item, whoever may see it: callers decide with `marketplace::can_see_item`.
    fn item(&self, id: &str) -> Result<Option<Item>, Problem>;
    /// A buyer or seller, when the source knows them.
    fn member(&self, id: &str) -> Result<Option<Member>, Problem>;
}

/// The seeded store, read through the `marketplace` reader.
///
/// The demo data is seeded on first use, but order lookups do not check the
/// seed marker on every request (it would be a third of their store reads):
/// only a lookup that finds nothing seeds, then looks again.
pub struct Seeded<'a, S: KeyValue> {
    pub store: &'a S,
    pub now: i64,
}

impl<S: KeyValue> Seeded<'_, S> {
    fn seeding_if<T>(&self, read: impl Fn() -> Result<T, StoreError>, missing: impl Fn(&T) -> bool) -> Result<T, Problem> {
        let found = read()?;
        if missing(&found) && marketplace::writer::ensure_seeded(self.store, self.now)? {
            return Ok(read()?);
        }
        Ok(found)
    }
}

impl<S: KeyValue> Source for Seeded<'_, S> {
    fn orders(&self, caller: &User) -> Result<Vec<OrderSummary>, Problem> {
        self.seeding_if(|| marketplace::orders_for(self.store, caller), Vec::is_empty)
    }

    fn order(&self, caller: &User, id: &str) -> Result<Option<Order>, Problem> {
        Ok(self.order_facts(caller, id)?.map(|f| f.order))
    }

    /// One read: the store keeps the facts together.
    fn order_facts(&self, caller: &User, id: &str) -> Result<Option<OrderFacts>, Problem> {
        self.seeding_if(|| marketplace::order_facts(self.store, caller, id), Option::is_none)
    }

    fn item(&self, id: &str) -> Result<Option<Item>, Problem> {
        self.seeding_if(|| marketplace::item(self.store, id), Option::is_none)
    }

    fn member(&self, id: &str) -> Result<Option<Member>, Problem> {
        Ok(marketplace::member(self.store, id)?)
    }
}
