// quarry serve: the one script. Pages work without it (every action is a form); it adds
// the review keys, the code picker's live ranking and counts kept current.
"use strict";
