//! `project.qde` as text (UTF-8 or UTF-16) and as a small tree of elements: local names,
//! unescaped attributes and text, nothing expanded but XML's own entities.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::refi::qdc;

/// Deepest element nesting read (codes nest; nothing real comes near this).
const MAX_DEPTH: usize = 256;

/// The text of `project.qde`: UTF-8 (a BOM dropped) or UTF-16 with a BOM.
pub(super) fn decode_xml(bytes: &[u8]) -> Result<String, String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if errors {
            return Err(format!("invalid {} text", encoding.name()));
        }
        return Ok(text.into_owned());
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| format!("not UTF-8 text: {e}"))
}

/// An XML element, as far as import needs it: local names, attributes unescaped, its own
/// text (CDATA and references resolved).
#[derive(Debug)]
pub(super) struct El {
    pub(super) name: String,
    pub(super) attrs: Vec<(String, String)>,
    pub(super) text: String,
    pub(super) children: Vec<El>,
    /// Byte offset of its start tag.
    pub(super) at: u64,
}

impl El {
    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(super) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child called `name`, or "".
    pub(super) fn child_text(&self, name: &str) -> String {
        self.child(name).map(|c| c.text.clone()).unwrap_or_default()
    }

    /// The elements reached by following child names from here.
    pub(super) fn path<'a>(&'a self, names: &[&str]) -> Vec<&'a El> {
        let mut level = vec![self];
        for name in names {
            level = level
                .into_iter()
                .flat_map(|e| e.children.iter().filter(|c| c.name == *name))
                .collect();
        }
        level
    }
}

/// Parses XML into a tree of [`El`], or says where it is malformed (a byte offset). No
/// entity other than XML's five and character references is expanded; nesting deeper than
/// [`MAX_DEPTH`] is refused.
pub(super) fn parse_tree(xml: &str) -> Result<El, (u64, String)> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().expand_empty_elements = true;
    let decoder = reader.decoder();
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), format!("malformed XML: {e}")))?;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if root.is_some() {
                    return Err((at, format!("<{name}> after the end of the root element")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err((at, format!("elements nested more than {MAX_DEPTH} deep")));
                }
                let mut attrs = Vec::new();
                for a in start.attributes() {
                    let a = a.map_err(|e| (at, format!("<{name}>: {e}")))?;
                    let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    let value = a
                        .decode_and_unescape_value(decoder)
                        .map_err(|e| (at, format!("<{name}> attribute `{key}`: {e}")))?;
                    attrs.push((key, value.into_owned()));
                }
                stack.push(El {
                    name,
                    attrs,
                    text: String::new(),
                    children: Vec::new(),
                    at,
                });
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err((at, "an end tag without a start tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    let text = text
                        .xml10_content()
                        .map_err(|e| (at, format!("malformed text: {e}")))?;
                    top.text.push_str(&text);
                }
            }
            Event::CData(text) => {
                if let Some(top) = stack.last_mut() {
                    let text = text
                        .xml10_content()
                        .map_err(|e| (at, format!("malformed CDATA: {e}")))?;
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(reference) => {
                let text = qdc::resolve(&reference).map_err(|e| (at, e))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::Eof => break,
            Event::Empty(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err((
            xml.len() as u64,
            format!("the XML ends before <{}> is closed", open.name),
        ));
    }
    root.ok_or_else(|| (0, "no XML element: this is not a REFI-QDA project".into()))
}
