//! Tests of the JSON reader: every platform's records, layouts, bad and hostile input, and the
//! real corpora where they are present.

use super::*;
use crate::ingest::posts::{parse_time, Platform, Post};
use serde_json::Value;
use std::io::BufRead;
use std::path::PathBuf;

/// What a file gave: the posts, and the errors as `line: message` (`-` for the file).
struct Got {
    posts: Vec<Post>,
    errors: Vec<String>,
}

fn read_file(path: &Path, opts: &PostOptions) -> Got {
    let mut got = Got {
        posts: Vec::new(),
        errors: Vec::new(),
    };
    let mut sink = |batch: Vec<Result<Post, IngestError>>| {
        for r in batch {
            match r {
                Ok(p) => got.posts.push(p),
                Err(e) => {
                    let line = e.line.map_or("-".to_string(), |l| l.to_string());
                    got.errors.push(format!("{line}: {}", e.message));
                }
            }
        }
        Ok(())
    };
    read(path, opts, &mut sink).expect("the sink never refuses");
    got
}

fn check_with(content: &[u8], opts: &PostOptions) -> Got {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("posts.json");
    std::fs::write(&path, content).unwrap();
    read_file(&path, opts)
}

fn check(content: &str) -> Got {
    check_with(content.as_bytes(), &PostOptions::default())
}

fn attr<'p>(p: &'p Post, name: &str) -> Option<&'p str> {
    p.attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

const V1: &str = r#"{"id":1,"id_str":"1","created_at":"Fri Dec 26 23:13:35 +0000 2014","text":"Feedback on a busy ward is hard and the #MedEd literature says little about nights, so I tried a new ap… https://t.co/abc","truncated":true,"extended_tweet":{"full_text":"Feedback on a busy ward is hard and the #MedEd literature says little about nights, so I tried a new approach with @resident_a this week. #nightshift","entities":{"hashtags":[{"text":"MedEd"},{"text":"nightshift"}],"user_mentions":[{"screen_name":"resident_a","name":"Dr A"}],"urls":[]}},"entities":{"hashtags":[{"text":"MedEd"}],"user_mentions":[],"urls":[{"url":"https://t.co/abc","expanded_url":"https://twitter.com/i/web/status/1"}]},"user":{"screen_name":"ward_teacher","location":"Leeds","followers_count":120},"source":"<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>","lang":"en","favorite_count":3,"retweet_count":1}
{"id_str":"2","created_at":"Sat Dec 27 10:00:00 +0000 2014","full_text":"RT @drsmith: Students remember feedback that is specific, timely and kind. Our study of 40 interns found the same pattern on every ward we vis…","truncated":false,"entities":{"user_mentions":[{"screen_name":"drsmith"}]},"user":{"screen_name":"ward_teacher"},"retweeted_status":{"id_str":"90","full_text":"Students remember feedback that is specific, timely and kind. Our study of 40 interns found the same pattern on every ward we visited. https://t.co/xyz","entities":{"hashtags":[],"user_mentions":[],"urls":[{"url":"https://t.co/xyz","expanded_url":"https://example.org/study"}]},"user":{"screen_name":"drsmith"}},"retweet_count":12,"favorite_count":0}
{"id_str":"3","text":"RT @longposter: The long original cut…","truncated":false,"user":{"screen_name":"ward_teacher"},"retweeted_status":{"id_str":"91","text":"The long original cut…","truncated":true,"extended_tweet":{"full_text":"The long original, in full, about #feedback"},"user":{"screen_name":"longposter"}}}
{"id_str":"4","full_text":"@drsmith Agreed, see this","in_reply_to_status_id_str":"90","is_quote_status":true,"quoted_status_id_str":"77","created_at":"not a date","user":{"screen_name":"ward_teacher"}}
"#;

#[test]
fn x_v1_extended_retweets_replies_and_quotes() {
    let got = check(V1);
    assert_eq!(got.errors, Vec::<String>::new());
    let [long, rt, compat_rt, reply] = got.posts.as_slice() else {
        panic!("{} posts", got.posts.len())
    };

    assert_eq!(
        (long.platform, long.id.as_str(), long.line),
        (Platform::X, "1", 1)
    );
    assert!(
        long.text
            .ends_with("with @resident_a this week. #nightshift"),
        "{}",
        long.text
    );
    assert_eq!(long.hashtags, ["MedEd", "nightshift"]);
    assert_eq!(long.mentions, ["resident_a"]);
    assert_eq!(long.author.as_deref(), Some("ward_teacher"));
    assert_eq!(long.created, parse_time("2014-12-26T23:13:35Z"));
    assert_eq!(
        (long.likes, long.reposts, long.lang.as_deref()),
        (Some(3), Some(1), Some("en"))
    );
    assert_eq!(attr(long, "source"), Some("Twitter Web App"));
    assert_eq!(attr(long, "user.location"), Some("Leeds"));
    assert_eq!(attr(long, "user.followers_count"), Some("120"));

    assert!(rt.is_repost);
    assert_eq!(rt.repost_of.as_deref(), Some("90"));
    assert!(
        rt.text.starts_with("Students remember")
            && rt.text.ends_with("every ward we visited. https://t.co/xyz")
    );
    assert_eq!(attr(rt, "retweeted_author"), Some("@drsmith"));
    assert_eq!(rt.links, ["https://example.org/study"]);
    assert_eq!(
        (rt.author.as_deref(), rt.reposts),
        (Some("ward_teacher"), Some(12))
    );

    assert!(compat_rt.is_repost);
    assert_eq!(
        compat_rt.text,
        "The long original, in full, about #feedback"
    );
    assert_eq!(attr(compat_rt, "retweeted_author"), Some("@longposter"));

    assert_eq!(reply.reply_to.as_deref(), Some("90"));
    assert!(reply.is_quote && !reply.is_repost);
    assert_eq!(reply.repost_of.as_deref(), Some("77"));
    assert_eq!(reply.created, None);
    assert_eq!(attr(reply, "created_at"), Some("not a date"));
}

const V2_PAGE: &str = r#"{"data":[{"id":"200","text":"RT @drsmith: Students remember feedback that is…","author_id":"11","created_at":"2023-04-03T02:50:24.000Z","conversation_id":"200","referenced_tweets":[{"type":"retweeted","id":"150"}],"public_metrics":{"retweet_count":5,"like_count":0,"reply_count":1,"quote_count":0},"lang":"en"},{"id":"201","text":"@drsmith Which wards?","author_id":"12","conversation_id":"150","in_reply_to_user_id":"10","referenced_tweets":[{"type":"replied_to","id":"150"}],"entities":{"mentions":[{"start":0,"end":8,"username":"drsmith"}]},"created_at":"2023-04-03T03:00:00Z"},{"id":"202","text":"Short cut of a long post…","note_tweet":{"text":"The whole long post about #residents","entities":{"hashtags":[{"tag":"residents"}]}},"author_id":"99","conversation_id":"202","created_at":"2023-04-03T04:00:00Z"}],"includes":{"users":[{"id":"11","username":"ward_teacher"},{"id":"12","username":"intern_b"},{"id":"10","username":"drsmith"}],"tweets":[{"id":"150","text":"Students remember feedback that is specific, timely and kind, and the whole text is here.","author_id":"10"}]},"meta":{"result_count":3}}"#;

fn check_v2_page(posts: &[Post], line: usize) {
    let [rt, reply, long] = posts else {
        panic!("{} posts", posts.len())
    };
    assert!(rt.is_repost);
    assert_eq!(rt.repost_of.as_deref(), Some("150"));
    assert_eq!(
        rt.text,
        "Students remember feedback that is specific, timely and kind, and the whole text is here."
    );
    assert_eq!(attr(rt, "retweeted_author"), Some("@drsmith"));
    assert_eq!(
        (rt.author.as_deref(), rt.reposts, rt.likes),
        (Some("ward_teacher"), Some(5), Some(0))
    );
    assert_eq!(attr(rt, "reply_count"), Some("1"));
    assert_eq!(rt.created, parse_time("2023-04-03T02:50:24Z"));

    assert_eq!(reply.reply_to.as_deref(), Some("150"));
    assert_eq!(reply.thread.as_deref(), Some("150"));
    assert_eq!(reply.author.as_deref(), Some("intern_b"));
    assert_eq!(reply.mentions, ["drsmith"]);
    assert_eq!(attr(reply, "in_reply_to_user_id"), Some("10"));

    assert_eq!(long.text, "The whole long post about #residents");
    assert_eq!(long.hashtags, ["residents"]);
    assert_eq!(long.author, None);
    assert_eq!(attr(long, "author_id"), Some("99"));
    assert!(posts
        .iter()
        .all(|p| p.platform == Platform::X && p.line == line));
}

#[test]
fn x_v2_pages_as_jsonl_and_as_a_document() {
    let got = check(&format!("{V2_PAGE}\n\n{V2_PAGE}\n"));
    assert_eq!(got.errors, Vec::<String>::new());
    check_v2_page(&got.posts[..3], 1);
    check_v2_page(&got.posts[3..], 3);

    let v: Value = serde_json::from_str(V2_PAGE).unwrap();
    let pretty = serde_json::to_string_pretty(&v).unwrap();
    let got = check(&format!("\n{pretty}"));
    assert_eq!(got.errors, Vec::<String>::new());
    check_v2_page(&got.posts, 2);
}

const TWEETS_JS: &str = r#"window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "id_str" : "500",
      "id" : "500",
      "full_text" : "Trying #quarto with @posit_pbc",
      "created_at" : "Wed Oct 19 20:07:25 +0000 2022",
      "favorite_count" : "4",
      "retweet_count" : "1",
      "entities" : {
        "hashtags" : [ { "text" : "quarto", "indices" : [ "7", "14" ] } ],
        "user_mentions" : [ { "name" : "Posit", "screen_name" : "posit_pbc" } ],
        "urls" : [ ]
      }
    }
  },
  {
    "tweet" : {
      "id_str" : "501",
      "full_text" : "RT @someone: a retweet as the archive keeps it",
      "created_at" : "Thu Oct 20 20:07:25 +0000 2022"
    }
  }
]"#;

#[test]
fn x_archive_tweets_js() {
    let got = check(TWEETS_JS);
    assert_eq!(got.errors, Vec::<String>::new());
    let [first, rt] = got.posts.as_slice() else {
        panic!("{} posts", got.posts.len())
    };
    assert_eq!(
        (first.id.as_str(), first.line, first.author.as_ref()),
        ("500", 2, None)
    );
    assert_eq!((first.likes, first.reposts), (Some(4), Some(1)));
    assert_eq!(first.hashtags, ["quarto"]);
    assert_eq!(first.mentions, ["posit_pbc"]);
    assert_eq!(first.created, parse_time("2022-10-19T20:07:25Z"));
    assert_eq!((rt.id.as_str(), rt.line), ("501", 17));
    assert_eq!(attr(rt, "retweeted_author"), Some("@someone"));
}

const MASTODON: &str = r##"[
 {"id":"300","created_at":"2023-01-05T10:00:00.000Z","content":"<p>Night shifts &amp; <a href=\"https://med.social/tags/meded\" class=\"mention hashtag\">#<span>MedEd</span></a></p><p>second para<br>line</p>","account":{"acct":"nurse_j@med.social","username":"nurse_j"},"url":"https://med.social/@nurse_j/300","language":"en","favourites_count":2,"reblogs_count":1,"replies_count":0,"in_reply_to_id":null,"reblog":null,"tags":[{"name":"meded","url":"https://med.social/tags/meded"}],"mentions":[],"spoiler_text":""},
 {"id":"301","created_at":"2023-01-05T11:00:00Z","content":"","uri":"https://med.social/users/booster/statuses/301/activity","account":{"acct":"booster"},"reblog":{"id":"300","content":"<p>Night shifts &amp; more</p>","url":"https://med.social/@nurse_j/300","account":{"acct":"nurse_j@med.social"},"spoiler_text":"","tags":[]},"spoiler_text":""},
 {"id":"302","created_at":"2023-01-05T12:00:00Z","content":"<p>It was a hard week.</p>","spoiler_text":"burnout, death","account":{"acct":"nurse_j"},"in_reply_to_id":"300","mentions":[{"acct":"booster","username":"booster"}]}
]"##;

#[test]
fn mastodon_html_boost_and_spoiler() {
    let got = check(MASTODON);
    assert_eq!(got.errors, Vec::<String>::new());
    let [status, boost, cw] = got.posts.as_slice() else {
        panic!("{} posts", got.posts.len())
    };
    assert!(got
        .posts
        .iter()
        .all(|p| p.platform == Platform::Mastodon && p.thread.is_none()));
    assert_eq!(status.text, "Night shifts & #MedEd\n\nsecond para\nline");
    assert_eq!(status.hashtags, ["meded"]);
    assert_eq!(status.author.as_deref(), Some("nurse_j@med.social"));
    assert_eq!(
        status.url.as_deref(),
        Some("https://med.social/@nurse_j/300")
    );
    assert_eq!(
        (status.likes, status.reposts, status.lang.as_deref()),
        (Some(2), Some(1), Some("en"))
    );
    assert_eq!((status.line, status.reply_to.as_ref()), (2, None));

    assert!(boost.is_repost);
    assert_eq!(boost.repost_of.as_deref(), Some("300"));
    assert_eq!(boost.text, "Night shifts & more");
    assert_eq!(boost.author.as_deref(), Some("booster"));
    assert_eq!(
        boost.url.as_deref(),
        Some("https://med.social/@nurse_j/300")
    );
    assert_eq!(attr(boost, "boosted_author"), Some("@nurse_j@med.social"));

    assert_eq!(cw.text, "burnout, death\n\nIt was a hard week.");
    assert_eq!(cw.reply_to.as_deref(), Some("300"));
    assert_eq!(cw.mentions, ["booster"]);
    assert_eq!(cw.line, 4);
}

const REDDIT: &str = r#"{"kind":"Listing","data":{"after":null,"children":[{"kind":"t3","data":{"id":"abc","name":"t3_abc","title":"Feedback on night shifts?","selftext":"How do you give feedback at 3am?","author":"teach_doc","created_utc":1672531200.0,"subreddit":"medicine","score":42,"num_comments":2,"permalink":"/r/medicine/comments/abc/feedback/","url":"https://www.reddit.com/r/medicine/comments/abc/feedback/","is_self":true}},{"kind":"t1","data":{"id":"c1","name":"t1_c1","body":"Write it down and talk in the morning.","author":"nurse_k","created_utc":"1672534800","link_id":"t3_abc","parent_id":"t3_abc","subreddit":"medicine","score":7,"permalink":"/r/medicine/comments/abc/feedback/c1/"}},{"kind":"more","data":{"count":3,"children":["c9","c10"]}}]}}
{"id":"c2","body":"[deleted]","author":"[deleted]","created_utc":1672538400,"link_id":"t3_abc","parent_id":"t1_c1","subreddit":"medicine","score":1}
{"name":"t3_def","title":"A study on feedback","selftext":"","url":"https://example.org/paper","is_self":false,"subreddit":"medicine","num_comments":0,"author":"researcher","created_utc":1672540000}
"#;

#[test]
fn reddit_listing_comments_and_submissions() {
    let got = check(REDDIT);
    assert_eq!(got.errors, Vec::<String>::new());
    let [post, comment, deleted, link] = got.posts.as_slice() else {
        panic!("{} posts", got.posts.len())
    };
    assert!(got.posts.iter().all(|p| p.platform == Platform::Reddit));
    assert_eq!(
        post.text,
        "Feedback on night shifts?\n\nHow do you give feedback at 3am?"
    );
    assert_eq!(
        (post.id.as_str(), post.thread.as_deref()),
        ("abc", Some("abc"))
    );
    assert_eq!(
        (post.author.as_deref(), post.likes),
        (Some("teach_doc"), Some(42))
    );
    assert_eq!(post.created, Some(1_672_531_200));
    assert_eq!(
        post.url.as_deref(),
        Some("https://www.reddit.com/r/medicine/comments/abc/feedback/")
    );
    assert_eq!(attr(post, "num_comments"), Some("2"));
    assert_eq!(attr(post, "url"), None);
    assert_eq!(attr(post, "subreddit"), Some("medicine"));

    assert_eq!(comment.text, "Write it down and talk in the morning.");
    assert_eq!(
        (comment.thread.as_deref(), comment.reply_to.as_deref()),
        (Some("abc"), Some("abc"))
    );
    assert!(comment.is_reply);
    assert_eq!(comment.created, Some(1_672_534_800));

    assert_eq!((deleted.text.as_str(), deleted.line), ("[deleted]", 2));
    assert_eq!(deleted.reply_to.as_deref(), Some("c1"));

    assert_eq!(
        (link.id.as_str(), link.text.as_str()),
        ("def", "A study on feedback")
    );
    assert_eq!(attr(link, "url"), Some("https://example.org/paper"));
    assert!(!link.is_reply);
}

#[test]
fn reddit_reply_trees() {
    let reply = |id: &str, parent: &str, replies: &str| {
        format!(
            r#"{{"kind":"t1","data":{{"id":"{id}","body":"reply {id}","author":"u{id}","link_id":"t3_abc","parent_id":"{parent}","replies":{replies}}}}}"#
        )
    };
    let listing = |children: Vec<String>| {
        format!(
            r#"{{"kind":"Listing","data":{{"children":[{}]}}}}"#,
            children.join(",")
        )
    };
    let leaf = reply("c3", "t1_c2", r#""""#);
    let inner = reply("c2", "t1_c1", &listing(vec![leaf]));
    let top = reply("c1", "t3_abc", &listing(vec![inner]));
    let thread = format!(
        "[{}, {}]",
        listing(vec![]),
        listing(vec![top, reply("c4", "t3_abc", r#""""#)])
    );
    let got = check(&thread);
    assert_eq!(got.errors, Vec::<String>::new());
    let posts: Vec<_> = got
        .posts
        .iter()
        .map(|p| (p.id.as_str(), p.reply_to.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        posts,
        [("c1", "abc"), ("c2", "c1"), ("c3", "c2"), ("c4", "abc")]
    );
}

#[test]
fn generic_records_with_a_text_field_path() {
    let opts = PostOptions {
        text_field: Some("data.body".into()),
        id_col: Some("meta.id".into()),
        author_col: Some("data.who".into()),
        time_col: Some("meta.at".into()),
        ..PostOptions::default()
    };
    let lines = r#"{"data":{"body":"Hello from a custom export","who":"ana"},"meta":{"id":7,"at":"2024-02-01T10:00:00Z"},"channel":"forum"}
{"data":{"nobody":"x"},"meta":{"id":8}}
{"data":{"body":42},"meta":{"id":9}}
{"data":{"body":"no id, odd time"},"meta":{"at":"soon"}}
"#;
    let got = check_with(lines.as_bytes(), &opts);
    assert_eq!(
        got.errors,
        [
            "2: no `data.body` in this record (the --text-field)",
            "3: `data.body` is a number, not text"
        ]
    );
    let [p, q] = got.posts.as_slice() else {
        panic!("{} posts", got.posts.len())
    };
    assert_eq!(
        (p.text.as_str(), p.id.as_str(), p.author.as_deref()),
        ("Hello from a custom export", "7", Some("ana"))
    );
    assert_eq!(p.created, parse_time("2024-02-01T10:00:00Z"));
    assert_eq!((p.platform, p.line), (Platform::Other, 1));
    assert_eq!(attr(p, "channel"), Some("forum"));
    assert_eq!((q.id.as_str(), q.created, q.line), ("", None, 4));
    assert_eq!(attr(q, "meta.at"), Some("soon"));

    let opts = PostOptions {
        text_field: Some("items.0.text".into()),
        platform: Some(Platform::Reddit),
        ..PostOptions::default()
    };
    let got = check_with(
        br#"{"items":[{"text":"first item"}],"id":"x1","user":{"username":"bo"}}"#,
        &opts,
    );
    assert_eq!(got.errors, Vec::<String>::new());
    assert_eq!(got.posts[0].text, "first item");
    assert_eq!(
        (got.posts[0].id.as_str(), got.posts[0].author.as_deref()),
        ("x1", Some("bo"))
    );
    assert_eq!(got.posts[0].platform, Platform::Reddit);
}

#[test]
fn generic_records_without_options_use_common_names() {
    let got = check("{\"id_str\":5,\"content\":\"plain record\",\"author\":\"bob\",\"date\":\"2024-01-01\",\"mood\":\"ok\"}\n");
    assert_eq!(got.errors, Vec::<String>::new());
    let p = &got.posts[0];
    assert_eq!(
        (p.text.as_str(), p.id.as_str(), p.author.as_deref()),
        ("plain record", "5", Some("bob"))
    );
    assert_eq!(
        (p.platform, p.created),
        (Platform::Other, parse_time("2024-01-01"))
    );
    assert_eq!(p.attrs, [("mood".to_string(), "ok".to_string())]);
}

#[test]
fn generic_records_may_say_their_platform_speaker_and_flags() {
    let got = check(concat!(
        r#"{"id":"1","text":"a reply","speaker":"Dr Ana","platform":"reddit","is_reply":true,"reply_to":"0","is_quote":false}"#,
        "\n",
        r#"{"id":"2","text":"shared","author":"bo","speaker":"ignored","platform":"myspace","is_repost":true}"#,
        "\n",
    ));
    assert_eq!(got.errors, Vec::<String>::new());
    let [p, q] = got.posts.as_slice() else {
        panic!("{} posts", got.posts.len())
    };
    assert_eq!(
        (p.platform, p.author.as_deref(), p.is_reply, p.is_quote),
        (Platform::Reddit, Some("Dr Ana"), true, false)
    );
    assert_eq!(p.reply_to.as_deref(), Some("0"));
    assert!(p.attrs.is_empty(), "{:?}", p.attrs);
    // An author field comes before `speaker`; a platform quarry does not know stays an
    // attribute.
    assert_eq!(
        (q.platform, q.author.as_deref(), q.is_repost),
        (Platform::Other, Some("bo"), true)
    );
    assert_eq!(
        q.attrs,
        [
            ("platform".to_string(), "myspace".to_string()),
            ("speaker".to_string(), "ignored".to_string())
        ]
    );
}

#[test]
fn jsonl_bad_lines_are_reported_and_the_rest_arrives() {
    let lines = r#"{"id":"1","text":"one","author_id":"5"}
{"id":"2","text": oops}
[1,2]
{"id":"4","text":"four"}

{"id":"6","message":"no text field"}
"just a string"
{"id_str":"8","full_text":123}
{"id":"9","text":"nine"}"#;
    let got = check(lines);
    assert_eq!(
        got.errors,
        [
            "2: not JSON: expected value at column 19",
            "3: an array, not an object: expected one post per line",
            "6: no text: expected one of full_text, text, body, content (or use --text-field)",
            "7: a string, not an object: expected one post per line",
            "8: `full_text` is a number, not text",
        ]
    );
    let ids: Vec<_> = got.posts.iter().map(|p| (p.id.as_str(), p.line)).collect();
    assert_eq!(ids, [("1", 1), ("4", 4), ("9", 9)]);
}

#[test]
fn an_array_broken_midway_keeps_what_came_before() {
    let doc = r#"[
  {"id": "1", "text": "one"},
  {"id": "2", "text": "two"},
  {"id": "3", "text": "three" "oops": 1},
  {"id": "4",
   "text": "four"},
  {"id": "5", "text": "five"
"#;
    let got = check(doc);
    let ids: Vec<_> = got.posts.iter().map(|p| (p.id.as_str(), p.line)).collect();
    assert_eq!(ids, [("1", 2), ("2", 3), ("4", 5)]);
    assert_eq!(
        got.errors,
        [
            "4: not JSON: expected `,` or `}`",
            "7: not JSON: the file ends inside the record that starts here (cut short?)",
        ]
    );

    let got = check("[{\"text\": \"a\"},\n {\"text\": \"b\"}\n {\"text\": \"c\"}]");
    assert_eq!(got.posts.len(), 2);
    assert_eq!(
        got.errors,
        ["3: not JSON: expected `,` or `]` after a record, found `{`"]
    );

    let got = check("[{\"text\": \"a\"},\n {\"text\": [\"b\"}]");
    assert_eq!(got.posts.len(), 1);
    assert_eq!(
        got.errors,
        ["2: not JSON: `}` does not close what is open here"]
    );

    let got = check("[{\"text\": \"a\"},\n {\"text\": \"b\"},\n");
    assert_eq!(got.posts.len(), 2);
    assert_eq!(
        got.errors,
        ["3: not JSON: the file ends before the array opened on line 1 is closed with `]` (cut short?)"]
    );
}

#[test]
fn escapes_across_read_boundaries() {
    // The backslash is the last byte of the first read, the quote it escapes the first of
    // the next; records straddle the boundary.
    let head = "[{\"id\":\"1\",\"text\":\"";
    let pad = "a".repeat(CHUNK - 1 - head.len());
    let doc = format!("{head}{pad}\\\" and [brackets}} in text\"}},\n{{\"text\":\"two \\\\\"}}]");
    assert_eq!(doc.as_bytes()[CHUNK - 1], b'\\');
    let got = check(&doc);
    assert_eq!(got.errors, Vec::<String>::new());
    let [one, two] = got.posts.as_slice() else {
        panic!("{} posts", got.posts.len())
    };
    assert!(one.text.ends_with("a\" and [brackets} in text"));
    assert_eq!((two.text.as_str(), two.line), ("two \\", 2));
}

#[test]
fn oversized_records_are_refused() {
    let big = format!("{{\"text\":\"{}\"}}", "x".repeat(MAX_RECORD + 10));
    let small = "{\"text\":\"small\"}";
    let got = check(&format!("{small}\n{big}\n{small}\n"));
    assert_eq!(got.errors, ["2: line longer than 2 MB: skipped"]);
    assert_eq!(got.posts.iter().map(|p| p.line).collect::<Vec<_>>(), [1, 3]);

    let got = check(&format!("[{small},\n{big},\n{small}]"));
    assert_eq!(
        got.errors,
        ["2: a record larger than 2 MB starts here: write one record per line (JSONL) instead"]
    );
    assert_eq!(got.posts.len(), 1);
}

#[test]
fn a_refusing_sink_stops_the_reader() {
    let line = "{\"id\":\"1\",\"text\":\"hello\"}";
    let jsonl = vec![line; 3 * BATCH_RECORDS].join("\n");
    let array = format!("[{}]", vec![line; 3 * BATCH_RECORDS].join(",\n"));
    for content in [jsonl, array] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("posts.json");
        std::fs::write(&path, content).unwrap();
        let mut calls = 0;
        let mut sink = |_: Vec<Result<Post, IngestError>>| {
            calls += 1;
            Err(())
        };
        assert_eq!(read(&path, &PostOptions::default(), &mut sink), Err(()));
        assert_eq!(calls, 1);
    }
}

#[test]
fn empty_binary_and_scalar_files_are_one_error() {
    let cases: [(&[u8], &str); 6] = [
        (b"", "-: empty file: no posts in it"),
        (b" \n\r\n\t", "-: empty file: no posts in it"),
        (&[0; 64], "-: not JSON: the file starts with byte 0x00 (is it a binary file?)"),
        (&[0xFF, 0xFE, b'{', 0], "-: UTF-16 text: save the file as UTF-8 and add it again"),
        (b"42\n", "-: the file is a single JSON number, not posts: expected objects, one per line, or an array of them"),
        (b"\"hi\"", "-: the file is a single JSON string, not posts: expected objects, one per line, or an array of them"),
    ];
    for (content, error) in cases {
        let got = check_with(content, &PostOptions::default());
        assert!(got.posts.is_empty());
        assert_eq!(got.errors, [error]);
    }
    let got = check("\u{feff}{\"text\":\"after a byte-order mark\"}");
    assert_eq!((got.posts.len(), got.errors.len()), (1, 0));
}

#[test]
fn deeply_nested_records_are_bounded() {
    // Records inside records, and arrays inside arrays, in both layouts.
    let deep = format!(
        "{}{{\"text\":\"x\"}}{}",
        "{\"tweet\":".repeat(300),
        "}".repeat(300)
    );
    let got = check(&deep);
    assert_eq!(
        (got.posts.len(), got.errors.len()),
        (0, 2),
        "{:?}",
        got.errors
    );
    let got = check(&format!("[{deep}]"));
    assert_eq!(
        (got.posts.len(), got.errors.len()),
        (0, 2),
        "{:?}",
        got.errors
    );
    // Deep enough to be passed over, not so deep that serde_json refuses the record.
    let chain = format!(
        "{}{{\"text\":\"x\"}}{}",
        "{\"tweet\":".repeat(60),
        "}".repeat(60)
    );
    let got = check(&chain);
    assert_eq!(
        got.errors,
        [
            "1: no text: expected one of full_text, text, body, content (or use --text-field)",
            "1: records nested more than 48 deep (a long reply chain?) were skipped",
        ]
    );
    let got = check(&format!("[{}]", "[".repeat(100_000)));
    assert_eq!(got.posts.len(), 0);
    let field = PostOptions {
        text_field: Some("a.b".into()),
        ..PostOptions::default()
    };
    let got = check_with(deep.as_bytes(), &field);
    assert_eq!(
        got.errors,
        ["1: nested more than 128 levels deep at column 1144"]
    );
}

/// A small xorshift generator: `next(n)` is below `n`.
fn random(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    }
}

#[test]
fn random_and_mutated_input_never_panics() {
    // Random bytes drawn from JSON's structural characters (and bytes that are not UTF-8).
    let alphabet = b"{}[]\",:\\ \nat0-{\"text\":\xff\xc3\x00=;";
    let mut next = random(0x2545_f491);
    for _ in 0..300 {
        let len = next(200);
        let bytes: Vec<u8> = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
        for start in [&b"["[..], b"{", b""] {
            check_with(&[start, &bytes[..]].concat(), &PostOptions::default());
        }
    }
    // The fixtures with a few bytes deleted, inserted or overwritten.
    let pieces: [&[u8]; 8] = [
        b"null", b"1", b"\"s\"", b"[]", b"{}", b"[{}]", b"\\", b"\xff",
    ];
    let field = PostOptions {
        text_field: Some("data.0.text".into()),
        ..PostOptions::default()
    };
    for fixture in [V1, V2_PAGE, MASTODON, REDDIT, TWEETS_JS] {
        for _ in 0..40 {
            let mut bytes = fixture.as_bytes().to_vec();
            for _ in 0..=next(3) {
                let at = next(bytes.len());
                let end = (at + next(3) * next(8)).min(bytes.len());
                bytes.splice(at..end, pieces[next(pieces.len())].iter().copied());
            }
            check_with(&bytes, &PostOptions::default());
            check_with(&bytes, &field);
        }
    }
}

/// The real X archive of smithjd (see the data folder's SOURCE.md), read in place.
#[test]
fn real_x_archive() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/tweets_archive_and_rtweet_samples/twitter_archive_smithjd/data/tweets.js"
    ));
    if !path.exists() {
        crate::test_skipped(&format!("{} is not here", path.display()));
        return;
    }
    let got = read_file(path, &PostOptions::default());
    assert_eq!(got.errors, Vec::<String>::new());
    assert_eq!(got.posts.len(), 1758);
    assert!(got
        .posts
        .iter()
        .all(|p| !p.id.is_empty() && p.created.is_some() && p.author.is_none()));
    assert!(got.posts.windows(2).all(|w| w[0].line < w[1].line));
    let by_id = |id: &str| got.posts.iter().find(|p| p.id == id).expect(id);
    let quarto = by_id("1580696888344707072");
    assert_eq!(quarto.hashtags, ["quartopub", "GoogleDocs", "googledrive"]);
    let reply = by_id("1582825767519809536");
    assert_eq!(reply.mentions, ["sharon000", "lorenzwalthert", "krlmlr"]);
    assert_eq!(reply.reply_to.as_deref(), Some("1582702502297755653"));
    assert_eq!((reply.likes, reply.line), (Some(1), 2));
    let retweets = got
        .posts
        .iter()
        .filter(|p| attr(p, "retweeted_author").is_some())
        .count();
    assert_eq!(retweets, 128);
    // Counted in the file with Python's json module.
    let count = |f: fn(&Post) -> bool| got.posts.iter().filter(|p| f(p)).count();
    assert_eq!(count(|p| p.reply_to.is_some()), 160);
    assert_eq!(count(|p| !p.hashtags.is_empty()), 1121);
    assert_eq!(count(|p| !p.mentions.is_empty()), 442);
    // What the caller does next keeps every one, and sees the retweets.
    let mut finished = got.posts.clone();
    assert!(finished.iter_mut().all(super::super::finish));
    assert_eq!(finished.iter().filter(|p| p.is_repost).count(), 128);
}

const BENCH: &str = "/tmp/bench/posts-100mb.jsonl";

/// The first 2,000 lines of the benchmark corpus (generated, see the bench README).
#[test]
fn bench_corpus_sample() {
    let Ok(file) = File::open(BENCH) else {
        crate::test_skipped(&format!("{BENCH} is not here"));
        return;
    };
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .take(2000)
        .map(Result::unwrap)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let got = read_file(&path, &PostOptions::default());
    assert_eq!(got.errors, Vec::<String>::new());
    assert_eq!(got.posts.len(), 2000);
    let mut reposts = 0;
    for (p, line) in got.posts.iter().zip(&lines) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(p.id, v["id_str"].as_str().unwrap());
        assert_eq!(p.author.as_deref(), v["user"]["screen_name"].as_str());
        if let Some(original) = v["retweeted_status"]["full_text"].as_str() {
            reposts += 1;
            assert!(p.is_repost);
            assert_eq!(p.text, original);
        } else {
            assert_eq!(p.text, v["full_text"].as_str().unwrap());
        }
    }
    let replies = got.posts.iter().filter(|p| p.reply_to.is_some()).count();
    eprintln!("bench sample: {reposts} reposts, {replies} replies in 2000");
    assert!((200..=400).contains(&reposts), "{reposts} reposts");
    assert!((300..=500).contains(&replies), "{replies} replies");
}

/// Throughput, by hand: `cargo test --release --lib posts::json::tests::throughput --
/// --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let path = PathBuf::from(std::env::var("QUARRY_JSON_BENCH").unwrap_or_else(|_| BENCH.into()));
    let Ok(meta) = std::fs::metadata(&path) else {
        crate::test_skipped(&format!("{} is not here", path.display()));
        return;
    };
    let (mut posts, mut errors) = (0usize, 0usize);
    let start = std::time::Instant::now();
    let mut sink = |batch: Vec<Result<Post, IngestError>>| {
        for r in batch {
            match r {
                Ok(_) => posts += 1,
                Err(_) => errors += 1,
            }
        }
        Ok(())
    };
    read(&path, &PostOptions::default(), &mut sink).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let mb = meta.len() as f64 / 1e6;
    eprintln!(
        "{}: {posts} posts, {errors} errors, {mb:.0} MB in {secs:.2} s: {:.0} MB/s on {} threads",
        path.display(),
        mb / secs,
        rayon::current_num_threads()
    );
}
