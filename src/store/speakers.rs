//! Speakers and their roles: who speaks how often and where, the roles found or set by hand,
//! and naming the unlabelled speech of a document.

use super::{sql, Store, StoreError, Writer, R};
use crate::text::model::{fnv1a, Role, RoleSource, Speaker};
use rusqlite::{params, OptionalExtension};
use std::collections::{BTreeMap, HashMap};

impl Store {
    /// Speakers with turn and document counts, by name.
    pub fn speakers(&self) -> R<Vec<Speaker>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.speaker, sp.role, sp.role_source, count(*), count(DISTINCT s.document_id)
                 FROM segments s LEFT JOIN speakers sp ON sp.name = s.speaker
                 WHERE s.speaker IS NOT NULL GROUP BY s.speaker ORDER BY s.speaker",
            )
            .map_err(sql("listing speakers"))?;
        let rows = st
            .query_map([], |r| {
                Ok(Speaker {
                    name: r.get(0)?,
                    role: r.get::<_, Option<String>>(1)?.and_then(|s| Role::parse(&s)),
                    role_source: r
                        .get::<_, Option<String>>(2)?
                        .and_then(|s| RoleSource::parse(&s)),
                    turns: r.get::<_, i64>(3)? as usize,
                    documents: r.get::<_, i64>(4)? as usize,
                })
            })
            .map_err(sql("listing speakers"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("listing speakers"))
    }

    /// Roles of all speakers that have one.
    pub fn roles(&self) -> R<HashMap<String, (Role, RoleSource)>> {
        let mut st = self
            .conn
            .prepare("SELECT name, role, role_source FROM speakers WHERE role IS NOT NULL")
            .map_err(sql("reading roles"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(sql("reading roles"))?;
        let mut out = HashMap::new();
        for row in rows {
            let (n, r, s) = row.map_err(sql("reading roles"))?;
            if let (Some(r), Some(s)) = (Role::parse(&r), RoleSource::parse(&s)) {
                out.insert(n, (r, s));
            }
        }
        Ok(out)
    }

    /// A hash of the names of the speakers whose role is interviewer.
    pub fn interviewers_key(&self) -> R<u64> {
        let mut names: Vec<String> = self
            .roles()?
            .into_iter()
            .filter(|(_, (r, _))| *r == Role::Interviewer)
            .map(|(n, _)| n)
            .collect();
        names.sort();
        Ok(fnv1a(names.join("\n").as_bytes()))
    }

    /// Sets a speaker's role by hand. Errors when no segment has that speaker.
    pub fn set_role(&mut self, name: &str, role: Role) -> R<String> {
        let found: Option<String> = self
            .conn
            .query_row(
                "SELECT name FROM speakers WHERE name = ?1 OR lower(name) = lower(?1)
                 ORDER BY name = ?1 DESC LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("finding the speaker"))?;
        let Some(found) = found else {
            return Err(StoreError::NotFound(format!(
                "no speaker `{name}` in this project; `quarry list speakers` shows them"
            )));
        };
        self.conn
            .execute(
                "INSERT INTO speakers(name, role, role_source) VALUES (?1, ?2, 'user')
                 ON CONFLICT(name) DO UPDATE SET role = ?2, role_source = 'user'",
                params![found, role.as_str()],
            )
            .map_err(sql("setting a role"))?;
        Ok(found)
    }

    pub(super) fn speaker_names(&self) -> R<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT name FROM speakers")
            .map_err(sql("reading speakers"))?;
        let rows = st
            .query_map([], |r| r.get(0))
            .map_err(sql("reading speakers"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading speakers"))
    }

    /// The documents each speaker has segments in, by speaker name (ids ascending).
    pub fn speaker_documents(&self) -> R<BTreeMap<String, Vec<i64>>> {
        let what = "reading speakers' documents";
        let mut st = self
            .conn
            .prepare(
                "SELECT DISTINCT speaker, document_id FROM segments WHERE speaker IS NOT NULL
                 ORDER BY speaker, document_id",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(sql(what))?;
        let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for row in rows {
            let (sp, d) = row.map_err(sql(what))?;
            out.entry(sp).or_default().push(d);
        }
        Ok(out)
    }
}

impl Writer<'_> {
    /// Records a role for a speaker unless one with more authority is already there.
    pub fn put_role(&mut self, name: &str, role: Role, source: RoleSource) -> R<()> {
        let current: Option<String> = self
            .tx
            .prepare_cached("SELECT role_source FROM speakers WHERE name = ?1")
            .and_then(|mut s| s.query_row([name], |r| r.get(0)).optional())
            .map_err(sql("reading roles"))?
            .flatten();
        if let Some(cur) = current.as_deref().and_then(RoleSource::parse) {
            if cur > source {
                return Ok(());
            }
        }
        self.tx
            .execute(
                "INSERT INTO speakers(name, role, role_source) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET role = ?2, role_source = ?3",
                params![name, role.as_str(), source.as_str()],
            )
            .map_err(sql("storing roles"))?;
        Ok(())
    }

    /// Gives the segments of document `id` that have no speaker the speaker `name`, who is
    /// recorded as a participant unless their role is already known. Returns how many.
    pub fn set_unlabelled(&mut self, id: i64, name: &str) -> R<usize> {
        let what = "naming unlabelled speech";
        let n = self
            .tx
            .execute(
                "UPDATE segments SET speaker = ?2 WHERE speaker IS NULL AND id BETWEEN
                   (SELECT first_segment FROM documents WHERE id = ?1)
                   AND (SELECT first_segment + segment_count - 1 FROM documents WHERE id = ?1)",
                params![id, name],
            )
            .map_err(sql(what))?;
        if n > 0 {
            self.tx
                .execute(
                    "INSERT INTO speakers(name, role, role_source) VALUES (?1, 'participant', 'user')
                     ON CONFLICT(name) DO UPDATE SET role = 'participant', role_source = 'user'
                     WHERE role IS NULL",
                    [name],
                )
                .map_err(sql(what))?;
        }
        Ok(n)
    }
}
