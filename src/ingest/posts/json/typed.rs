//! Typed records. One struct holds the fields of every known shape; strings borrow from the
//! batch where they have no escapes. Sub-objects and lists of the wrong type are passed over
//! rather than failing the record.

use super::fields::first_string;
use super::MAX_NESTING;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Rec<'a> {
    #[serde(borrow)]
    pub(super) id: Val<'a>,
    #[serde(borrow)]
    pub(super) id_str: Val<'a>,
    /// Reddit's fullname (`t1_abc`).
    #[serde(borrow)]
    pub(super) name: Val<'a>,
    /// Reddit's `t1`/`t3`/`Listing`.
    #[serde(borrow)]
    pub(super) kind: Val<'a>,
    /// An X v2 referenced tweet's `retweeted`/`quoted`/`replied_to`.
    #[serde(borrow, rename = "type")]
    pub(super) ref_type: Val<'a>,

    #[serde(borrow)]
    pub(super) full_text: Val<'a>,
    #[serde(borrow)]
    pub(super) text: Val<'a>,
    #[serde(borrow)]
    pub(super) content: Val<'a>,
    #[serde(borrow)]
    pub(super) body: Val<'a>,
    #[serde(borrow)]
    pub(super) title: Val<'a>,
    #[serde(borrow)]
    pub(super) selftext: Val<'a>,
    #[serde(borrow)]
    pub(super) spoiler_text: Val<'a>,
    #[serde(borrow)]
    pub(super) truncated: Val<'a>,
    #[serde(borrow)]
    pub(super) extended_tweet: Opt<Rec<'a>>,
    #[serde(borrow)]
    pub(super) note_tweet: Opt<Rec<'a>>,

    #[serde(borrow)]
    pub(super) created_at: Val<'a>,
    #[serde(borrow)]
    pub(super) created_utc: Val<'a>,

    #[serde(borrow)]
    pub(super) user: Opt<Entity<'a>>,
    #[serde(borrow)]
    pub(super) author: Opt<Entity<'a>>,
    #[serde(borrow)]
    pub(super) account: Opt<Entity<'a>>,
    #[serde(borrow)]
    pub(super) author_id: Val<'a>,

    #[serde(borrow)]
    pub(super) entities: Opt<Entities<'a>>,
    #[serde(borrow)]
    pub(super) tags: List<Entity<'a>>,
    #[serde(borrow)]
    pub(super) mentions: List<Entity<'a>>,
    #[serde(borrow)]
    pub(super) lang: Val<'a>,
    #[serde(borrow)]
    pub(super) language: Val<'a>,

    #[serde(borrow)]
    pub(super) favorite_count: Val<'a>,
    #[serde(borrow)]
    pub(super) retweet_count: Val<'a>,
    #[serde(borrow)]
    pub(super) favourites_count: Val<'a>,
    #[serde(borrow)]
    pub(super) reblogs_count: Val<'a>,
    #[serde(borrow)]
    pub(super) replies_count: Val<'a>,
    #[serde(borrow)]
    pub(super) score: Val<'a>,
    #[serde(borrow)]
    pub(super) num_comments: Val<'a>,
    #[serde(borrow)]
    pub(super) public_metrics: Opt<Metrics<'a>>,

    #[serde(borrow)]
    pub(super) in_reply_to_status_id_str: Val<'a>,
    #[serde(borrow)]
    pub(super) in_reply_to_status_id: Val<'a>,
    #[serde(borrow)]
    pub(super) in_reply_to_id: Val<'a>,
    #[serde(borrow)]
    pub(super) in_reply_to_user_id: Val<'a>,
    #[serde(borrow)]
    pub(super) is_quote_status: Val<'a>,
    #[serde(borrow)]
    pub(super) quoted_status_id_str: Val<'a>,
    #[serde(borrow)]
    pub(super) conversation_id: Val<'a>,
    #[serde(borrow)]
    pub(super) link_id: Val<'a>,
    #[serde(borrow)]
    pub(super) parent_id: Val<'a>,
    #[serde(borrow)]
    pub(super) retweeted_status: Opt<Rec<'a>>,
    #[serde(borrow)]
    pub(super) reblog: Opt<Rec<'a>>,
    #[serde(borrow)]
    pub(super) referenced_tweets: List<Rec<'a>>,

    /// The X archive's `{"tweet": {...}}` wrapper.
    #[serde(borrow)]
    pub(super) tweet: Opt<Rec<'a>>,
    /// A page's records, or a Reddit thing's or listing's content.
    #[serde(borrow)]
    pub(super) data: Data<'a>,
    #[serde(borrow)]
    pub(super) children: List<Rec<'a>>,
    /// A Reddit comment's replies (a listing).
    #[serde(borrow)]
    pub(super) replies: Opt<Rec<'a>>,
    #[serde(borrow)]
    pub(super) includes: Opt<Includes<'a>>,

    #[serde(borrow)]
    pub(super) url: Val<'a>,
    #[serde(borrow)]
    pub(super) uri: Val<'a>,
    #[serde(borrow)]
    pub(super) permalink: Val<'a>,
    #[serde(borrow)]
    pub(super) subreddit: Val<'a>,
    #[serde(borrow)]
    pub(super) source: Val<'a>,
    #[serde(borrow)]
    pub(super) is_self: Val<'a>,
}

/// A user, hashtag, mention or link: an object with some of these fields, or a bare string
/// (kept in `name`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Entity<'a> {
    #[serde(borrow)]
    pub(super) screen_name: Val<'a>,
    #[serde(borrow)]
    pub(super) username: Val<'a>,
    #[serde(borrow)]
    pub(super) acct: Val<'a>,
    #[serde(borrow)]
    pub(super) name: Val<'a>,
    #[serde(borrow)]
    pub(super) text: Val<'a>,
    #[serde(borrow)]
    pub(super) tag: Val<'a>,
    #[serde(borrow)]
    pub(super) expanded_url: Val<'a>,
    #[serde(borrow)]
    pub(super) url: Val<'a>,
    #[serde(borrow)]
    pub(super) id: Val<'a>,
    #[serde(borrow)]
    pub(super) location: Val<'a>,
    #[serde(borrow)]
    pub(super) followers_count: Val<'a>,
}

impl Entity<'_> {
    pub(super) fn handle(&self) -> Option<String> {
        first_string(&[&self.screen_name, &self.acct, &self.username, &self.name])
    }
    pub(super) fn tag(&self) -> Option<String> {
        first_string(&[&self.tag, &self.text, &self.name])
            .map(|t| t.trim_start_matches('#').to_string())
    }
    pub(super) fn link(&self) -> Option<String> {
        first_string(&[&self.expanded_url, &self.url, &self.name])
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Entities<'a> {
    #[serde(borrow)]
    pub(super) hashtags: List<Entity<'a>>,
    #[serde(borrow)]
    pub(super) user_mentions: List<Entity<'a>>,
    #[serde(borrow)]
    pub(super) mentions: List<Entity<'a>>,
    #[serde(borrow)]
    pub(super) urls: List<Entity<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Metrics<'a> {
    #[serde(borrow)]
    pub(super) like_count: Val<'a>,
    #[serde(borrow)]
    pub(super) retweet_count: Val<'a>,
    #[serde(borrow)]
    pub(super) reply_count: Val<'a>,
    #[serde(borrow)]
    pub(super) quote_count: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Includes<'a> {
    #[serde(borrow)]
    pub(super) users: List<Entity<'a>>,
    #[serde(borrow)]
    pub(super) tweets: List<Rec<'a>>,
}

/// Any JSON value; strings and numbers are kept, arrays and objects only noted.
#[derive(Debug, Default)]
pub(super) enum Val<'a> {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array,
    Object,
}

impl Val<'_> {
    pub(super) fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    pub(super) fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A non-blank string (trimmed) or a number, as text.
    pub(super) fn string(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string),
            Val::Int(n) => Some(n.to_string()),
            Val::UInt(n) => Some(n.to_string()),
            Val::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    /// A count: a non-negative number, or a string holding one (the archive's `"3"`).
    pub(super) fn count(&self) -> Option<u64> {
        match self {
            Val::Int(n) => u64::try_from(*n).ok(),
            Val::UInt(n) => Some(*n),
            Val::Float(f) if f.is_finite() && *f >= 0.0 => Some(*f as u64),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(super) fn truthy(&self) -> bool {
        matches!(self, Val::Bool(true)) || self.str() == Some("true")
    }

    pub(super) fn kind(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Int(_) | Val::UInt(_) | Val::Float(_) => "a number",
            Val::Str(_) => "a string",
            Val::Array => "an array",
            Val::Object => "an object",
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor(PhantomData))
    }
}

struct ValVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ValVisitor<'a> {
    type Value = Val<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Val<'a>, E> {
        Ok(Val::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Val<'a>, E> {
        Ok(Val::Int(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Val<'a>, E> {
        Ok(Val::UInt(n))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Val<'a>, E> {
        Ok(Val::Float(n))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Owned(s)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'a>, E> {
        Ok(Val::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Val<'a>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Val::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Val<'a>, A::Error> {
        IgnoredAny.visit_map(map).map(|_| Val::Object)
    }
}

/// Visitor methods that pass over scalars, leaving the field at its default.
macro_rules! pass_over_scalars {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

/// A type read from a JSON object (and, for some, from a bare string). `None` passes the
/// object over.
trait Loose<'de>: Sized {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error>;
    fn from_name(_name: Cow<'de, str>) -> Option<Self> {
        None
    }
}

thread_local! {
    /// Records open around the one being read, on this thread.
    static NESTING: Cell<u32> = const { Cell::new(0) };
    /// Set when records nested too deeply were passed over.
    pub(super) static TOO_DEEP: Cell<bool> = const { Cell::new(false) };
}

/// Counts records inside records, so that a hostile file cannot exhaust the stack.
struct Nested;

impl Nested {
    fn enter() -> Option<Nested> {
        NESTING.with(|n| {
            let depth = n.get();
            (depth < MAX_NESTING).then(|| {
                n.set(depth + 1);
                Nested
            })
        })
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

impl<'de: 'a, 'a> Loose<'de> for Rec<'a> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        let Some(_nested) = Nested::enter() else {
            TOO_DEEP.with(|t| t.set(true));
            return IgnoredAny.visit_map(map).map(|_| None);
        };
        Rec::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
}

impl<'de: 'a, 'a> Loose<'de> for Entity<'a> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Entity::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
    fn from_name(name: Cow<'de, str>) -> Option<Self> {
        Some(Entity {
            name: Val::Str(name),
            ..Entity::default()
        })
    }
}

macro_rules! loose_from_map {
    ($($t:ident),*) => {$(
        impl<'de: 'a, 'a> Loose<'de> for $t<'a> {
            fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
                $t::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
            }
        }
    )*};
}
loose_from_map!(Entities, Metrics, Includes);

/// An optional sub-object: absent when the field is missing, null or of another type.
pub(super) struct Opt<T>(Option<Box<T>>);

impl<T> Default for Opt<T> {
    fn default() -> Self {
        Opt(None)
    }
}

impl<T> Opt<T> {
    pub(super) fn get(&self) -> Option<&T> {
        self.0.as_deref()
    }
}

impl<'de, T: Loose<'de>> Deserialize<'de> for Opt<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Loosely::deserialize(d).map(|l| Opt(l.0.map(Box::new)))
    }
}

/// A sub-object, or `None` for a value of another type (and objects `T` passes over).
struct Loosely<T>(Option<T>);

impl<'de, T: Loose<'de>> Deserialize<'de> for Loosely<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooselyVisitor(PhantomData))
    }
}

struct LooselyVisitor<T>(PhantomData<T>);

impl<'de, T: Loose<'de>> Visitor<'de> for LooselyVisitor<T> {
    type Value = Loosely<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Loosely<T>, A::Error> {
        T::from_map(map).map(Loosely)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Loosely<T>, E> {
        Ok(Loosely(T::from_name(Cow::Borrowed(s))))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Loosely<T>, E> {
        Ok(Loosely(T::from_name(Cow::Owned(s.to_string()))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Loosely<T>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Loosely(None))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
}

/// A list of sub-objects; elements of another type are passed over, and so is a field that
/// is not a list.
pub(super) struct List<T>(pub(super) Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Loose<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Loose<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(Loosely(item)) = seq.next_element::<Loosely<T>>()? {
            items.extend(item);
        }
        Ok(List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<List<T>, A::Error> {
        IgnoredAny.visit_map(map).map(|_| List::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
        Ok(List::default())
    }
    pass_over_scalars!();
}

/// A record's `data`: a page's list of records, or one record (a Reddit thing's content).
#[derive(Default)]
pub(super) enum Data<'a> {
    #[default]
    Absent,
    Many(Vec<Rec<'a>>),
    One(Box<Rec<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Data<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DataVisitor(PhantomData))
    }
}

struct DataVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for DataVisitor<'a> {
    type Value = Data<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array or an object")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Data<'a>, A::Error> {
        ListVisitor::<Rec<'a>>(PhantomData)
            .visit_seq(seq)
            .map(|l| Data::Many(l.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Data<'a>, A::Error> {
        Rec::from_map(map).map(|r| r.map_or(Data::Absent, |r| Data::One(Box::new(r))))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Data<'a>, E> {
        Ok(Data::Absent)
    }
    pass_over_scalars!();
}
