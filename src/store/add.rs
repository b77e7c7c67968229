//! Storing parsed documents, each whole or not at all: a new document, a changed one replacing
//! its earlier version (the decisions on its segments moving along), or the report of why it
//! was not stored (unchanged, a duplicate, nearly the same text as a stored one, held).

use super::documents::DOC_SEGMENTS;
use super::posts::{put_posts, PostIndex};
use super::{sql, unix_ms, StoreError, Writer, R};
use crate::ingest::similar::Fingerprint;
use crate::ingest::Similar;
use crate::text::model::{fnv1a, ParsedDocument};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::Path;

/// What storing one document did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Added under this name, with these segment ids.
    Added {
        /// Document id.
        id: i64,
        /// Name given (may differ from the proposed one when that was taken).
        name: String,
        /// The new segments' ids, in order.
        segments: Vec<i64>,
    },
    /// Replaced an earlier version of the same path.
    Replaced {
        /// New document id.
        id: i64,
        /// Name kept.
        name: String,
        /// Old document id (its segments are gone from the index too).
        old_id: i64,
        /// The new segments' ids, in order.
        segments: Vec<i64>,
    },
    /// Already there, unchanged.
    Unchanged {
        /// Its name.
        name: String,
    },
    /// The same content is already stored under another source.
    Duplicate {
        /// The stored document's name.
        name: String,
    },
    /// Nearly the same text as a stored document (the same interview in another format), and
    /// duplicates were not allowed: not stored.
    Similar {
        /// The stored document's name.
        name: String,
        /// Its source file's name.
        file: String,
        /// Percent of the text the two share.
        percent: u32,
    },
    /// The file changed since it was added and `--replace` was not given.
    Changed {
        /// The stored document's name.
        name: String,
    },
    /// `--replace` was given, but segments people coded are not in the new version (same
    /// speaker, same text): the stored version stays.
    Held {
        /// The stored document's name.
        name: String,
        /// The coded segments missing from the new version.
        segments: Vec<i64>,
    },
}

impl Writer<'_> {
    /// Stores parsed documents, each whole, or reports that it is already there or changed.
    /// `replace` allows replacing a changed file at the same path. Statements are prepared
    /// once per call, so pass documents in batches.
    ///
    /// Documents of posts hold only posts that are new (the caller has checked them against
    /// `posts`); storing them settles which are duplicates and which original a repost has,
    /// in `doc.posts`, and records their texts in `posts`.
    ///
    /// With `similar`, a whole file whose text is nearly that of a stored document (or of one
    /// stored before it in this add) is not stored but reported as [`Stored::Similar`].
    pub fn put_documents(
        &mut self,
        docs: &mut [ParsedDocument],
        replace: bool,
        posts: &mut PostIndex,
        mut similar: Option<&mut Similar>,
    ) -> R<Vec<Stored>> {
        let Writer {
            tx,
            sources,
            speakers,
        } = self;
        let prep = |q: &str| tx.prepare(q).map_err(sql("preparing a statement"));
        let mut st = Stmts {
            source: prep("SELECT id FROM sources WHERE path = ?1")?,
            new_source: prep("INSERT INTO sources(path) VALUES (?1)")?,
            same: prep(
                "SELECT id, name, hash FROM documents
                 WHERE source_id = ?1 AND key_hash = ?2 AND key = ?3",
            )?,
            twin: prep("SELECT name FROM documents WHERE hash = ?1 AND key = '' LIMIT 1")?,
            delete: prep("DELETE FROM documents WHERE id = ?1")?,
            insert: prep(
                "INSERT INTO documents(name, name_key, source_id, key, key_hash, format, hash,
                   text, first_segment, segment_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
            )?,
            key_taken: prep(
                "SELECT 1 FROM documents WHERE source_id = ?1 AND key_hash = ?2 AND key = ?3",
            )?,
            segment: prep(
                "INSERT INTO segments(id, document_id, ord, speaker, start_ms, end_ms, line,
                   byte_start, byte_end, char_start, char_end)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
            // Never an id a suggest run has passed: its segments would be taken as read.
            next_segment: prep(
                "SELECT max(coalesce((SELECT max(id) FROM segments), 0),
                            coalesce((SELECT max(last_segment) FROM suggest_runs), 0)) + 1",
            )?,
            speaker: prep("INSERT OR IGNORE INTO speakers(name) VALUES (?1)")?,
            post: prep(
                "INSERT INTO posts(segment_id, platform, post_id, post_key, created, url, lang,
                   hashtags, mentions, links, likes, reposts, flags, repost_of, reply_to, thread,
                   original, text_hash, attrs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                   ?17, ?18, ?19)",
            )?,
        };
        let mut out = Vec::with_capacity(docs.len());
        for doc in docs {
            out.push(put_one(
                tx,
                &mut st,
                sources,
                speakers,
                doc,
                replace,
                posts,
                similar.as_deref_mut(),
            )?);
        }
        Ok(out)
    }
}

struct Stmts<'t> {
    source: rusqlite::Statement<'t>,
    new_source: rusqlite::Statement<'t>,
    same: rusqlite::Statement<'t>,
    twin: rusqlite::Statement<'t>,
    delete: rusqlite::Statement<'t>,
    insert: rusqlite::Statement<'t>,
    key_taken: rusqlite::Statement<'t>,
    segment: rusqlite::Statement<'t>,
    next_segment: rusqlite::Statement<'t>,
    speaker: rusqlite::Statement<'t>,
    post: rusqlite::Statement<'t>,
}

/// Stores one document (see [`Writer::put_documents`]), or says why not.
#[allow(clippy::too_many_arguments)]
fn put_one(
    tx: &Transaction<'_>,
    st: &mut Stmts<'_>,
    sources: &mut HashMap<String, (i64, bool)>,
    speakers: &mut HashSet<String>,
    doc: &mut ParsedDocument,
    replace: bool,
    posts: &mut PostIndex,
    mut similar: Option<&mut Similar>,
) -> R<Stored> {
    let (source_id, fresh) = source_of(st, sources, &doc.path)?;
    let hash = doc.hash as i64;
    let key_hash = fnv1a(doc.key.as_bytes()) as i64;
    let mut old_id = None;
    let mut fingerprint = None;
    let mut moves: Vec<(i64, usize)> = Vec::new();
    let mut name = doc.name.clone();
    // A source this writer created has no stored documents yet: skip the lookup. Documents
    // of posts are never the same as a stored one: their posts were checked one by one.
    let is_posts = !doc.posts.is_empty();
    let same: Option<(i64, String, i64)> = if fresh || is_posts {
        None
    } else {
        st.same
            .query_row(params![source_id, key_hash, doc.key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(sql("looking for the document"))?
    };
    if let Some((id, stored_name, stored_hash)) = same {
        if stored_hash == hash {
            return Ok(Stored::Unchanged { name: stored_name });
        }
        if !replace {
            return Ok(Stored::Changed { name: stored_name });
        }
        moves = match decided_moves(tx, id, doc)? {
            Ok(m) => m,
            Err(missing) => {
                return Ok(Stored::Held {
                    name: stored_name,
                    segments: missing,
                })
            }
        };
        if !moves.is_empty() {
            // The decisions point at old segments until they are moved below.
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")
                .map_err(sql("replacing the document"))?;
        }
        st.delete
            .execute([id])
            .map_err(sql("replacing the document"))?;
        old_id = Some(id);
        name = stored_name;
    } else if doc.key.is_empty() && !is_posts {
        match twin_of(tx, st, doc, hash, similar.as_deref_mut())? {
            ControlFlow::Break(stored) => return Ok(stored),
            ControlFlow::Continue(fp) => fingerprint = fp,
        }
    }
    // A document's segments take consecutive ids, so the document row holds their range.
    let first: i64 = st
        .next_segment
        .query_row([], |r| r.get(0))
        .map_err(sql("numbering segments"))?;
    let (id, name) = insert_document(
        tx, st, doc, name, source_id, key_hash, hash, first, is_posts,
    )?;
    if let (Some(sim), Some(fp)) = (similar, fingerprint) {
        sim.insert_stored(id, doc.text.len(), &fp);
    }
    let ids = insert_segments(st, speakers, doc, id, first)?;
    if is_posts {
        put_posts(&mut st.post, doc, first, posts)?;
    }
    move_decisions(tx, moves, first, &name)?;
    Ok(match old_id {
        Some(old_id) => Stored::Replaced {
            id,
            name,
            old_id,
            segments: ids,
        },
        None => Stored::Added {
            id,
            name,
            segments: ids,
        },
    })
}

/// The id of the source file at `path`, and whether this writer created it (then no document
/// of it is stored yet).
fn source_of(
    st: &mut Stmts<'_>,
    sources: &mut HashMap<String, (i64, bool)>,
    path: &str,
) -> R<(i64, bool)> {
    Ok(match sources.get(path) {
        Some(&s) => s,
        None => {
            let found: Option<i64> = st
                .source
                .query_row([path], |r| r.get(0))
                .optional()
                .map_err(sql("looking for the source file"))?;
            let entry = match found {
                Some(id) => (id, false),
                None => {
                    let id = st
                        .new_source
                        .insert([path])
                        .map_err(sql("storing the source file"))?;
                    (id, true)
                }
            };
            sources.insert(path.to_string(), entry);
            entry
        }
    })
}

/// Whether a whole file (`hash`) is stored already: the same content from another path
/// (`Duplicate`), or, with `similar`, nearly the same text (`Similar`). Break with what to
/// report; else Continue with the new document's fingerprint, when one was taken.
fn twin_of(
    tx: &Transaction<'_>,
    st: &mut Stmts<'_>,
    doc: &ParsedDocument,
    hash: i64,
    similar: Option<&mut Similar>,
) -> R<ControlFlow<Stored, Option<Fingerprint>>> {
    // A whole file whose content is already stored from another path is not added twice.
    // (Documents inside a JSONL file are identified by their id, not their content.)
    let twin: Option<String> = st
        .twin
        .query_row([hash], |r| r.get(0))
        .optional()
        .map_err(sql("looking for the document"))?;
    if let Some(twin) = twin {
        return Ok(ControlFlow::Break(Stored::Duplicate { name: twin }));
    }
    if let Some(sim) = similar {
        let fp = Fingerprint::of(
            doc.segments
                .iter()
                .map(|s| &doc.text[s.byte_start..s.byte_end]),
        );
        if let Some((id, share)) = near_twin(tx, sim, doc.text.len(), &fp)? {
            let (name, path): (String, String) = tx
                .query_row(
                    "SELECT d.name, src.path FROM documents d JOIN sources src
                     ON src.id = d.source_id WHERE d.id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(sql("looking for the document"))?;
            let file = Path::new(&path)
                .file_name()
                .map_or(path.clone(), |f| f.to_string_lossy().into_owned());
            return Ok(ControlFlow::Break(Stored::Similar {
                name,
                file,
                percent: (share * 100.0).floor() as u32,
            }));
        }
        return Ok(ControlFlow::Continue(Some(fp)));
    }
    Ok(ControlFlow::Continue(None))
}

/// Inserts the document row with its segments' id range from `first`, under `name` or, when
/// that is taken, `name (2)`, `name (3)`...: returns its id and the name it got.
#[allow(clippy::too_many_arguments)]
fn insert_document(
    tx: &Transaction<'_>,
    st: &mut Stmts<'_>,
    doc: &ParsedDocument,
    mut name: String,
    source_id: i64,
    key_hash: i64,
    hash: i64,
    first: i64,
    is_posts: bool,
) -> R<(i64, String)> {
    let base = name.clone();
    let mut n = 1;
    while st
        .insert
        .execute(params![
            name,
            fnv1a(name.as_bytes()) as i64,
            source_id,
            doc.key,
            key_hash,
            doc.format.as_str(),
            hash,
            doc.text.as_bytes(),
            first,
            doc.segments.len() as i64
        ])
        .map_err(sql("storing the document"))?
        == 0
    {
        // The name is taken, or (against what the parser guarantees) the key is. Documents
        // of posts may meet their names again (a thread continued in a later export).
        if !is_posts
            && st
                .key_taken
                .exists(params![source_id, key_hash, doc.key])
                .map_err(sql("storing the document"))?
        {
            return Err(StoreError::Conflict(format!(
                "{}: document `{}` appears twice in the file",
                doc.path, doc.key
            )));
        }
        n += 1;
        name = format!("{base} ({n})");
    }
    let id = tx.last_insert_rowid();
    Ok((id, name))
}

/// Records the document's speakers not yet known to this writer, and its segments (document
/// `id`, ids from `first`): returns their ids.
fn insert_segments(
    st: &mut Stmts<'_>,
    speakers: &mut HashSet<String>,
    doc: &ParsedDocument,
    id: i64,
    first: i64,
) -> R<Vec<i64>> {
    for sp in doc.segments.iter().filter_map(|s| s.speaker.as_deref()) {
        if !speakers.contains(sp) {
            st.speaker.execute([sp]).map_err(sql("storing speakers"))?;
            speakers.insert(sp.to_string());
        }
    }
    let mut chars = CharCounter::new(&doc.text);
    let mut ids = Vec::with_capacity(doc.segments.len());
    for (ord, s) in doc.segments.iter().enumerate() {
        let cs = chars.at(s.byte_start);
        let ce = chars.at(s.byte_end);
        let seg_id = first + ord as i64;
        st.segment
            .execute(params![
                seg_id,
                id,
                ord as i64,
                s.speaker,
                s.start_ms.map(|v| v as i64),
                s.end_ms.map(|v| v as i64),
                s.line as i64,
                s.byte_start as i64,
                s.byte_end as i64,
                cs as i64,
                ce as i64
            ])
            .map_err(sql("storing segments"))?;
        ids.push(seg_id);
    }
    Ok(ids)
}

/// Moves the decisions of a replaced document to its new segments (ids from `first`), with an
/// audit row for each.
fn move_decisions(tx: &Transaction<'_>, moves: Vec<(i64, usize)>, first: i64, name: &str) -> R<()> {
    for (old, ord) in moves {
        let new = first + ord as i64;
        tx.execute(
            "UPDATE decisions SET segment_id = ?2 WHERE segment_id = ?1",
            params![old, new],
        )
        .map_err(sql("moving decisions to the new version"))?;
        tx.execute(
            "INSERT INTO audit(at, coder, action, detail) VALUES (?1, 'quarry', 'move',
             ?2)",
            params![
                unix_ms(),
                format!(
                    "segment {old} -> {new}: {} replaced, same speaker and text",
                    name
                )
            ],
        )
        .map_err(sql("moving decisions to the new version"))?;
    }
    Ok(())
}

/// The stored document whose text is most like `fp` (a new document of `len` bytes), with
/// the share of text they have in common, when that share makes them the same text. Stored
/// whole-file transcripts of about that length are read once per add (`similar` keeps them).
fn near_twin(
    tx: &Transaction<'_>,
    similar: &mut Similar,
    len: usize,
    fp: &Fingerprint,
) -> R<Option<(i64, f64)>> {
    let what = "comparing with stored documents";
    if !fp.usable() {
        return Ok(None);
    }
    if !similar.listed() {
        let mut st = tx
            .prepare(
                "SELECT id, length(text) FROM documents WHERE key = ''
                 AND format IN ('text', 'markdown', 'vtt', 'srt', 'docx', 'odt')",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(sql(what))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql(what))?;
        similar.list(rows);
    }
    let candidates = similar.candidates(len);
    let mut text = tx
        .prepare_cached("SELECT text FROM documents WHERE id = ?1")
        .map_err(sql(what))?;
    let mut ranges = tx
        .prepare_cached(&format!("SELECT s.byte_start, s.byte_end {DOC_SEGMENTS}"))
        .map_err(sql(what))?;
    for &id in &candidates {
        if similar.has(id) {
            continue;
        }
        let bytes: Vec<u8> = text.query_row([id], |r| r.get(0)).map_err(sql(what))?;
        let body = String::from_utf8_lossy(&bytes);
        let spans = ranges
            .query_map([id], |r| {
                Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize))
            })
            .map_err(sql(what))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql(what))?;
        let stored = Fingerprint::of(spans.iter().filter_map(|&(a, b)| body.get(a..b)));
        similar.insert(id, &stored);
    }
    Ok(similar.best(fp, &candidates))
}

/// (old segment id, index of the new segment) pairs, or the segments that have none.
type Moves = Result<Vec<(i64, usize)>, Vec<i64>>;

/// For a document about to be replaced: where the segments people decided on are in the new
/// version (old segment id, new segment's index), matched by speaker and text (the nearest
/// one when a text repeats). Err with the decided segments the new version lacks.
fn decided_moves(tx: &Transaction<'_>, old_doc: i64, doc: &ParsedDocument) -> R<Moves> {
    let what = "looking for decisions on the document";
    let mut st = tx
        .prepare(
            "SELECT DISTINCT s.id, s.ord, s.speaker, s.byte_start, s.byte_end
             FROM decisions x JOIN segments s ON s.id = x.segment_id
             WHERE s.document_id = ?1 ORDER BY s.id",
        )
        .map_err(sql(what))?;
    let decided = st
        .query_map([old_doc], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)? as usize,
                r.get::<_, i64>(4)? as usize,
            ))
        })
        .map_err(sql(what))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql(what))?;
    if decided.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let old_text: Vec<u8> = tx
        .query_row("SELECT text FROM documents WHERE id = ?1", [old_doc], |r| {
            r.get(0)
        })
        .map_err(sql(what))?;
    let mut used = HashSet::new();
    let mut moves = Vec::new();
    let mut missing = Vec::new();
    for (id, ord, speaker, a, b) in decided {
        let text = old_text.get(a..b).unwrap_or_default();
        let found = doc
            .segments
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                !used.contains(i)
                    && s.speaker == speaker
                    && doc.text.as_bytes().get(s.byte_start..s.byte_end) == Some(text)
            })
            .min_by_key(|(i, _)| (*i as i64 - ord).abs())
            .map(|(i, _)| i);
        match found {
            Some(i) => {
                used.insert(i);
                moves.push((id, i));
            }
            None => missing.push(id),
        }
    }
    Ok(if missing.is_empty() {
        Ok(moves)
    } else {
        Err(missing)
    })
}

/// Converts byte offsets to code point offsets, for offsets that only move forward.
struct CharCounter<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCounter<'a> {
    fn new(text: &'a str) -> Self {
        CharCounter {
            text,
            byte: 0,
            chars: 0,
        }
    }
    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        let byte = byte.min(self.text.len());
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}
