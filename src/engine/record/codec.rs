//! The envelope's codec: a [`Record`] to JSON text and back
//! (docs/record-format.md). One pass over the text validates all of it,
//! including the data, which is handed back as a span, never parsed.

use super::json::{Reader, Result};
use super::write::{push_string, push_u64};
use super::{Applied, DecodeError, Keyed, Pending, Record, StoredCall, Writer, FORMAT};

/// The envelope's fields as the text of their values, by name.
#[derive(Default)]
struct Spans<'a> {
    skilift: Option<&'a str>,
    migrations: Option<&'a str>,
    pending: Option<&'a str>,
    writers: Option<&'a str>,
    once: Option<&'a str>,
    origin: Option<&'a str>,
    data: Option<&'a str>,
    /// The first field that is none of the above, or seen twice.
    wrong: Option<String>,
}

pub(super) fn decode(text: &str) -> std::result::Result<Record, DecodeError> {
    let undecodable = DecodeError::Undecodable;
    let mut reader = Reader::new(text);
    if reader.peek() != Some(b'{') {
        return Err(undecodable("not a JSON object".into()));
    }
    let mut spans = Spans::default();
    let mut twice_skilift = false;
    reader
        .object(|r, key| {
            let value = r.value()?;
            let slot = match &*key {
                "skilift" => &mut spans.skilift,
                "migrations" => &mut spans.migrations,
                "pending" => &mut spans.pending,
                "writers" => &mut spans.writers,
                "once" => &mut spans.once,
                "origin" => &mut spans.origin,
                "data" => &mut spans.data,
                _ => {
                    let wrong = format!("unknown field `{key}`");
                    spans.wrong.get_or_insert(wrong);
                    return Ok(());
                }
            };
            if slot.replace(value).is_some() {
                twice_skilift |= key == "skilift";
                spans
                    .wrong
                    .get_or_insert(format!("duplicate field `{key}`"));
            }
            Ok(())
        })
        .and_then(|()| reader.end())
        .map_err(|e| undecodable(format!("not a JSON object ({e})")))?;
    // The format first, so that a newer record with fields this version does
    // not know is reported as newer, not as garbage.
    let format = spans.skilift.and_then(|s| Reader::new(s).u64().ok());
    match format {
        _ if twice_skilift => {
            return Err(undecodable(
                "not a JSON object (duplicate field `skilift`)".into(),
            ))
        }
        Some(v) if v > u64::from(FORMAT) => {
            return Err(DecodeError::NewerFormat(
                u32::try_from(v).unwrap_or(u32::MAX),
            ))
        }
        Some(v) if v == u64::from(FORMAT) => {}
        _ => {
            return Err(undecodable(
                "no skilift envelope (missing or unknown \"skilift\" format field)".into(),
            ))
        }
    }
    envelope(&spans).map_err(|e| undecodable(format!("malformed envelope ({e})")))
}

fn envelope(spans: &Spans) -> Result<Record> {
    if let Some(wrong) = &spans.wrong {
        return Err(wrong.clone());
    }
    fn required<'a>(span: Option<&'a str>, name: &str) -> Result<Reader<'a>> {
        let span = span.ok_or_else(|| format!("missing field `{name}`"))?;
        Ok(Reader::new(span))
    }
    let mut migrations = Vec::new();
    required(spans.migrations, "migrations")?.array(|r| {
        migrations.push(r.string()?.into_owned());
        Ok(())
    })?;
    let mut pending = Vec::new();
    required(spans.pending, "pending")?.array(|r| {
        pending.push(read_pending(r)?);
        Ok(())
    })?;
    let mut writers = Keyed::new();
    required(spans.writers, "writers")?.object(|r, id| {
        writers.insert(id.into_owned(), read_writer(r)?);
        Ok(())
    })?;
    let mut once = Keyed::new();
    if let Some(span) = spans.once {
        Reader::new(span).object(|r, id| {
            once.insert(id.into_owned(), read_applied(r)?);
            Ok(())
        })?;
    }
    let origin = match spans.origin {
        None => None,
        Some(span) => {
            let mut r = Reader::new(span);
            if r.null() {
                None
            } else {
                Some(r.string()?.into_owned())
            }
        }
    };
    let data = spans
        .data
        .ok_or_else(|| "missing field `data`".to_owned())?;
    Ok(Record {
        data: data.to_owned(),
        migrations,
        pending,
        writers,
        once,
        origin,
    })
}

/// Reads an object with exactly the fields `names` (at most four), each
/// once; `read` is
/// called with the reader at a field's value and the field's index.
fn fields<'a>(
    r: &mut Reader<'a>,
    names: &[&str],
    read: &mut dyn FnMut(&mut Reader<'a>, usize) -> Result<()>,
) -> Result<()> {
    let mut seen = [false; 4];
    r.object(|r, key| {
        let Some(i) = names.iter().position(|n| *n == key) else {
            return Err(format!("unknown field `{key}`"));
        };
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("duplicate field `{key}`"));
        }
        read(r, i)
    })?;
    match seen[..names.len()].iter().position(|s| !s) {
        Some(i) => Err(format!("missing field `{}`", names[i])),
        None => Ok(()),
    }
}

fn read_pending(r: &mut Reader) -> Result<Pending> {
    let mut p = Pending {
        id: String::new(),
        success: Vec::new(),
        failure: Vec::new(),
        created: 0,
    };
    fields(r, &["id", "success", "failure", "created"], &mut |r, i| {
        match i {
            0 => p.id = r.string()?.into_owned(),
            1 => p.success = read_calls(r)?,
            2 => p.failure = read_calls(r)?,
            _ => p.created = r.u64()?,
        }
        Ok(())
    })?;
    Ok(p)
}

fn read_calls(r: &mut Reader) -> Result<Vec<StoredCall>> {
    let mut calls = Vec::new();
    r.array(|r| {
        calls.push(read_call(r)?);
        Ok(())
    })?;
    Ok(calls)
}

fn read_call(r: &mut Reader) -> Result<StoredCall> {
    let (mut action, mut args) = (String::new(), String::new());
    fields(r, &["action", "args"], &mut |r, i| {
        match i {
            0 => action = r.string()?.into_owned(),
            _ => args = r.value()?.to_owned(),
        }
        Ok(())
    })?;
    Ok(StoredCall { action, args })
}

fn read_writer(r: &mut Reader) -> Result<Writer> {
    let (mut batch, mut time) = (0, 0);
    fields(r, &["batch", "time"], &mut |r, i| {
        *(if i == 0 { &mut batch } else { &mut time }) = r.u64()?;
        Ok(())
    })?;
    Ok(Writer { batch, time })
}

fn read_applied(r: &mut Reader) -> Result<Applied> {
    let (mut time, mut by) = (0, String::new());
    fields(r, &["time", "by"], &mut |r, i| {
        match i {
            0 => time = r.u64()?,
            _ => by = r.string()?.into_owned(),
        }
        Ok(())
    })?;
    Ok(Applied { time, by })
}

/// The text of one JSON value with nothing around it but whitespace, or why not.
pub(super) fn json_value(text: &str) -> Result<&str> {
    let mut r = Reader::new(text);
    let value = r.value()?;
    r.end()?;
    Ok(value)
}

/// The record's text with `data` (the record's data, or the JSON value in
/// it) as its data.
pub(super) fn encode(record: &Record, data: &str) -> String {
    let mut out = head(record, data.len() + 1);
    out.push_str(data);
    out.push('}');
    out
}

/// The envelope around `data` (an owned JSON text), built in `data`'s own
/// allocation: the head is moved in before it and `}` pushed after. A
/// save's record text needs no block of its own then; that allocation of
/// about the document's size was a tenth of a save's CPU (dlmalloc).
pub(super) fn encode_around(record: &Record, mut data: String) -> String {
    let head = head(record, 0);
    data.reserve_exact(head.len() + 1);
    data.insert_str(0, &head);
    data.push('}');
    data
}

/// The envelope up to and including `"data":`, with room for `more` bytes.
pub(super) fn head(record: &Record, more: usize) -> String {
    let mut out = String::with_capacity(more + 96 + 64 * record.writers.len());
    out.push_str("{\"skilift\":");
    push_u64(&mut out, u64::from(FORMAT));
    out.push_str(",\"migrations\":[");
    for (i, step) in record.migrations.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&mut out, step);
    }
    out.push_str("],\"pending\":[");
    for (i, p) in record.pending.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        push_string(&mut out, &p.id);
        out.push_str(",\"success\":");
        push_calls(&mut out, &p.success);
        out.push_str(",\"failure\":");
        push_calls(&mut out, &p.failure);
        out.push_str(",\"created\":");
        push_u64(&mut out, p.created);
        out.push('}');
    }
    out.push_str("],\"writers\":{");
    for (i, (id, w)) in record.writers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&mut out, id);
        out.push_str(":{\"batch\":");
        push_u64(&mut out, w.batch);
        out.push_str(",\"time\":");
        push_u64(&mut out, w.time);
        out.push('}');
    }
    out.push('}');
    // Left out when empty or absent, so older records keep their bytes.
    if !record.once.is_empty() {
        out.push_str(",\"once\":{");
        for (i, (id, a)) in record.once.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_string(&mut out, id);
            out.push_str(":{\"time\":");
            push_u64(&mut out, a.time);
            out.push_str(",\"by\":");
            push_string(&mut out, &a.by);
            out.push('}');
        }
        out.push('}');
    }
    if let Some(origin) = &record.origin {
        out.push_str(",\"origin\":");
        push_string(&mut out, origin);
    }
    out.push_str(",\"data\":");
    out
}

fn push_calls(out: &mut String, calls: &[StoredCall]) {
    out.push('[');
    for (i, c) in calls.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"action\":");
        push_string(out, &c.action);
        out.push_str(",\"args\":");
        out.push_str(&c.args);
        out.push('}');
    }
    out.push(']');
}
