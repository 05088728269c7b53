"""The browser display's voice: ``/api/v1/voice/announcement`` and ``/api/v1/voice/clip``.

Both use the pygame display's pure parts, so nothing is implemented twice: the
announcement is ``sothutu.voice.announce.announcement(...).to_json()`` for a call
(the clip names in order, with the pause after each); a clip comes from the voice
pack as ``counter_api.web.voice_clips`` serves it. When a clip is missing the
answer is 404 and the page plays the chime alone.
"""

from __future__ import annotations

from flask import Response, current_app, request

from counter_api.web.endpoint import PUBLIC, Answer, Call, api_blueprint, endpoint, service
from counter_api.web.errors import ApiError
from counter_api.web.params import Param
from counter_api.web.parts import parts
from sothutu.voice import announce

bp = api_blueprint("voice", __name__)

ANNOUNCEMENT_SCHEMA = {
    "title": "Announcement",
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "counter": {"type": "integer"},
        "recall": {"type": "boolean"},
        "calls": {"type": "integer", "description": "which call: 1, or 2 and more for a recall"},
        "sentence": {"type": "string", "description": "said once"},
        "text": {"type": "string", "description": "all that is said; empty: chime only"},
        "clips": {"type": "array", "items": {"type": "string"}},
        "pauses_ms": {"type": "array", "items": {"type": "integer"}},
    },
}


@bp.get("/voice/announcement")
@endpoint(
    PUBLIC,
    query={
        "code": Param(str, "the ticket's code, like A015", required=True, example="A015"),
        "counter": Param(
            int, "the counter's number", required=True, minimum=0, maximum=99999, example=3
        ),
        "recall": Param(bool, "a recall (said a little differently)", default=False),
        "calls": Param(
            int,
            'which call of the ticket a recall is (its `calls`): 3 says "Mời lần thứ ba"; '
            "without it a recall is the second",
            minimum=1,
            maximum=999,
            example=3,
        ),
    },
    answer=Answer(ANNOUNCEMENT_SCHEMA),
)
def announcement(c: Call) -> Response:
    """The words and voice-pack clips of one call's announcement, as the display says it.

    From the same pure function as the pygame display (sothutu/voice/announce.py)
    with the config's [voice] dialect, repeat, chime and announce: the sentence, and
    the clip names in order with the silence after each (ms). The browser display
    plays these clips from /voice/clip. 400 for a code that is not like A015.
    """
    voice = service().config.voice
    try:
        ann = announce.announcement(
            c.query["code"],
            c.query["counter"],
            recall=c.query["recall"],
            calls=c.query.get("calls"),
            dialect=voice.dialect,
            repeat=voice.repeat,
            chime=voice.announce != "off" and (voice.chime or voice.announce == "chime"),
            speech=voice.announce == "voice",
        )
    except ValueError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    return current_app.json.response(ann.to_json())


@bp.get("/voice/clip")
@endpoint(
    PUBLIC,
    query={"name": Param(str, "a clip name of the README's table (`moi-cong-dan`, `so-5`, …)")},
    answer=Answer(
        {"type": "string", "format": "binary"}, description="the clip", media="audio/wav"
    ),
    refuses={404: ("not_found",)},
)
def clip(c: Call) -> Response:
    """One clip of the voice pack, as WAV.

    Read from [voice] pack on each request (a clip a centre replaced is served at
    once), 16-bit files trimmed of their silent ends. Without a chime in the pack,
    the synthesized chime; a missing word is said by espeak-ng when [voice] espeak
    allows and it is installed, else 404. Served with an ETag (If-None-Match: 304).
    """
    name = c.query.get("name", "")
    if name not in announce.CLIPS:
        raise ApiError(404, "not_found", f"no clip {name!r}; clips are named as in the README")
    got = parts().voice_clips.wav(name)
    if got is None:
        raise ApiError(404, "not_found", f"the voice pack has no clip {name!r}")
    data, etag = got
    resp = Response(data, mimetype="audio/wav")
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "no-cache"
    return resp.make_conditional(request)
