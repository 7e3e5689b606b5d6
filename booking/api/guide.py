"""The API's introduction in /api/docs: how to book a meeting with nothing but curl."""

from __future__ import annotations

GUIDE = """
Book meetings with the organisation's employees from your own service.
JSON in and out, with the field names below (camelCase); ids are strings; times are
ISO 8601 with an offset in requests and UTC (`Z`) in responses.

## Authentication

OAuth2 **client credentials**. An administrator creates your client
(`python manage.py create_api_client "My service" --scopes read write`, or in the admin
under *Django OAuth Toolkit → Applications*) and gives you a `client_id` and a
`client_secret`. Exchange them for an access token, valid for one hour:

```sh
BASE=https://bookme.example.com   # or http://127.0.0.1:8000 locally
TOKEN=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \\
  $BASE/o/token/ | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
```

Send it on every call as `Authorization: Bearer $TOKEN`. Scope `read` covers the GET
calls and the invite download; `write` covers everything that changes data.
A token request without `scope` gets every scope the client is allowed.

## Partner apps acting for a person

A partner app shows a person their own meetings: an administrator registers it (in the admin,
grant *Authorization code*, client type confidential for a server or public for a browser or
phone app, its exact `https` redirect URIs). It uses the authorization code flow with PKCE;
the code challenge must be `S256`:

```sh
VERIFIER=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
CHALLENGE=$(printf %s "$VERIFIER" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d =)
# Send the person's browser to this address:
echo "$BASE/o/authorize/?response_type=code&client_id=$CLIENT_ID&scope=read&state=xyz\\
&redirect_uri=https://app.example/cb&code_challenge=$CHALLENGE&code_challenge_method=S256"
```

The person signs in, sees your app's name and what it may do, and presses Allow or Deny.
You get `https://app.example/cb?code=...&state=xyz&iss=...` (or `error=access_denied`). Exchange
the code within a minute (a public client leaves out `-u` and sends `client_id` instead):

```sh
curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=authorization_code -d code=$CODE \\
  -d redirect_uri=https://app.example/cb -d code_verifier=$VERIFIER $BASE/o/token/
```

The token (scope `read` only; a `refresh_token` comes with it) acts for that person and reads
nothing but their own: `GET /api/bookme/me/meetings` (meetings they booked as a customer),
`GET /api/bookme/me/schedule` (an employee's confirmed meetings; 404 for anyone else), each
with optional `startDate`/`endDate`; `GET /api/bookme/meetings/{id}` and its `/ical` for one
of those meetings (anyone else's: 404); and the configuration calls of step 1. Every other
call answers 403 with `code` `person_token_refused`, and a client's own token calling the
`me` endpoints gets 403 `person_token_required`. Revoking the token (`/o/revoke_token/`) or
deactivating the person's account ends it.

## Booking a meeting, step by step

**1. Configuration.** What can be booked (themes), for which customer types, with whom, where:

```sh
curl -H "Authorization: Bearer $TOKEN" "$BASE/api/bookme/meeting-topics?isCustomer=true"
curl -H "Authorization: Bearer $TOKEN" $BASE/api/config/customer-types
curl -H "Authorization: Bearer $TOKEN" $BASE/api/config/employees
curl -H "Authorization: Bearer $TOKEN" $BASE/api/config/rooms
```

Each theme lists its `employeeIds` and its `informationQuestions`: the questions the customer
answers when booking (the required ones must be answered in step 5).

**2. Free times** for a theme (here 111), with an employee, over a week:

```sh
curl -H "Authorization: Bearer $TOKEN" \\
  "$BASE/api/bookme/time-slots/available?requireEmployeeParticipation=true&theme=111\\
&startDate=2026-06-02T00:00:00Z&endDate=2026-06-09T00:00:00Z&meetingTypes=physical"
```

Each result has `startDate`, `endDate`, `employeeId`, `roomId` and `meetingTypes`.

**3. Reserve** one of them. It is held for you for 15 minutes (`expiresAt`). Choose a
`token` of your own: repeating the call with the same token returns the same
reservation, so a retry after a network error is safe.

```sh
curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  $BASE/api/bookme/time-slots/reserve -d '{
    "timeSlot": {"startDate": "2026-06-02T08:00:00Z", "endDate": "2026-06-02T09:00:00Z",
                 "status": "Reserved", "employeeId": "333", "roomId": "222"},
    "token": "order-4711", "themeId": "111", "meetingType": "physical"}'
```

The answer (201) carries the time slot's `id`, say 12345. A 409 means someone else was
faster: search again.

**4. Book** it (Reserved → Booked) with a JSON Patch before the hold expires:

```sh
curl -X PATCH -H "Authorization: Bearer $TOKEN" \\
  -H "Content-Type: application/json-patch+json" $BASE/api/bookme/time-slots/12345 \\
  -d '[{"op": "replace", "path": "/status", "value": "Booked"}]'
```

(`"value": "Cancelled"` gives the time up instead.)

**5. Create the meeting** on the Booked time slot:

```sh
curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  $BASE/api/bookme/meetings -d '{
    "bookedBy": "customer", "customerCategoryId": "123", "timeSlotId": "12345",
    "type": "physical", "themeId": "111", "roomId": "222", "employeeId": "333",
    "customerId": "67890", "description": "Meeting description",
    "customer": {"name": "Carla Customer", "email": "carla@example.com"},
    "answers": {"7": "About 3 million"}}'
```

`customerId` is your id for the customer; the first time, `customer` gives the name and email
the invitation goes to (later `customerId` alone is enough). `answers` maps the theme's
question ids to the customer's answers. The answer (201) is the meeting, with its `id`.

Through a booking profile (`GET /api/bookme/profiles`), add its `id` as `profileId` and its
`additionalFields` as `profileFields`, e.g. `"profileId": "7", "profileFields": {"name":
"Carla"}` (the required ones must be given). The profile must be open on the meeting's day
and offer the theme, the slot's length, employee and time (its `workHours`); the meeting
takes its `subject`, description and online link. An unknown or closed profile is a 400
naming `profileId`, a missing field one naming `profileFields.<name>`, a time outside its
hours a 400 `profile_hours`.

**6. The invite** (.ics) for your own calendar or to pass on:

```sh
curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  $BASE/api/bookme/meetings/4711/ical -d '{"title": "Mortgage talk"}' -o meeting.ics
```

Later: `GET /api/bookme/meetings/{id}` reads it, `POST /api/bookme/meetings/{id}/cancel`
cancels it and frees the time.

## Errors

Every error is JSON `{"message": "...", "parameter": "<the parameter at fault, or null>",
"code": "<what went wrong>"}`. The message is English prose for people; `code` is stable:
branch on it (e.g. `slot_taken`, `hold_expired`, `rate_limited`; the `ErrorOut` schema lists
them all).

| Status | Meaning |
| --- | --- |
| 400 | Invalid input: malformed JSON, a wrong type, an unknown value, a reversed range |
| 401 | Missing, unknown or expired token (see the `WWW-Authenticate` header) |
| 403 | The token lacks the scope the call needs |
| 404 | Unknown theme, customer type, employee, room, time slot or meeting (or not yours) |
| 409 | Conflict: the time is taken or overlaps, the hold expired, the slot is not Booked |
| 429 | A limit below was reached: wait the `Retry-After` seconds |
| 500 | Server-side error |

Time slots and meetings are visible only to the client that created them.

## Webhooks

Instead of polling, subscribe a URL of yours (https, on a public address) to events about
your own meetings and time slots: `meeting.created`, `meeting.rescheduled`,
`meeting.cancelled`, `meeting.no_show` and `time_slot.expired`.

```sh
curl -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\
  $BASE/api/bookme/webhooks -d '{"url": "https://partner.example.com/bookme-events",
                                 "events": ["meeting.created", "meeting.cancelled"]}'
```

The answer's `secret` is shown this once: keep it. Each event is POSTed as JSON
`{"id": "<event id>", "type": "meeting.created", "createdAt": "...", "data": {...}}`, where
`data` is the meeting as `GET /api/bookme/meetings/{id}` returns it (for
`time_slot.expired`: the time slot). Answer with any 2xx within a few seconds; anything
else (or no answer) is retried with growing pauses for 24 hours. Redirects are not
followed. A retry carries the same `id` (also in the `BookMe-Event-Id` header): skip an
event you have handled already.

Every delivery is signed: `BookMe-Signature: t=<unix time>,v1=<hex>`, where `v1` is the
HMAC-SHA256, keyed with your secret, of the timestamp, a dot and the raw body. Check it on
the bytes you received (before parsing the JSON), and refuse old timestamps (replays):

```python
import hashlib
import hmac
import time


def verify(secret: str, signature_header: str, body: bytes, tolerance: int = 300) -> bool:
    fields = dict(part.split("=", 1) for part in signature_header.split(",") if "=" in part)
    timestamp = fields.get("t", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
```

`GET /api/bookme/webhooks` lists your subscriptions, `DELETE /api/bookme/webhooks/{id}`
ends one (queued retries included).

## Limits per client

- Requests: every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and
  `RateLimit-Reset` (seconds until the window starts again); past the limit, 429.
- Holds: at most 20 Reserved time slots at once (by default).
- Booked time slots without a meeting: at most 20 at once (by default), and each must get
  its meeting before its `expiresAt` (15 minutes after booking), or its time is released.
"""
