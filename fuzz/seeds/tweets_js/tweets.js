window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "id_str" : "500",
      "full_text" : "Trying #quarto with @posit_pbc &amp; friends",
      "created_at" : "Wed Oct 19 20:07:25 +0000 2022",
      "favorite_count" : "4",
      "retweet_count" : "1",
      "in_reply_to_status_id_str" : "499",
      "entities" : {
        "hashtags" : [ { "text" : "quarto", "indices" : [ "7", "14" ] } ],
        "user_mentions" : [ { "name" : "Posit", "screen_name" : "posit_pbc", "indices" : [ "20", "30" ] } ],
        "urls" : [ { "url" : "https://t.co/x", "expanded_url" : "https://example.org/a", "indices" : [ "0", "1" ] } ]
      }
    }
  },
  { "tweet" : { "id_str" : "501", "full_text" : "RT @someone: a retweet", "created_at" : "Thu Oct 20 20:07:25 +0000 2022" } }
]
