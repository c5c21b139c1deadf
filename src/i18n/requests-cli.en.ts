import type { requestsCliEs } from './requests-cli.es.ts';

/** Cooperation requests from the shell (English). */
export const requestsCliEn = {
  'requests.cli.direction.outgoing': 'outgoing',
  'requests.cli.direction.incoming': 'incoming',
  'requests.cli.created': 'Request {reference} created in case {case}: {measure}, {requesting} → {requested}, basis {instrument}, state {state}.',
  'requests.cli.registered': 'Incoming request {reference} registered in case {case} as received: {measure}, {requesting} → {requested}, basis {instrument}.',
  'requests.cli.updated': 'Request {reference} changed (version {version}, state {state}).',
  'requests.cli.stepped': 'Request {reference}: now in state {state}.',
  'requests.cli.none': 'No visible requests.',
  'requests.cli.line': '{reference} · {case} · {measure} · {direction} · {requesting} → {requested} · {state} · created {at}',
  'requests.cli.head': 'Request {reference} ({direction}) of case {case}',
  'requests.cli.what': '{measure}: {requesting} → {requested}, basis {instrument} (knowledge base {kbVersion})',
  'requests.cli.where': 'State {state}, version {version}; drafted by {by} on {at}',
  'requests.cli.next': 'Possible steps: {steps}',
  'requests.cli.noNext': 'No step is possible.',
  'requests.cli.deadlines': 'Deadlines:',
  'requests.cli.deadline': '{label} (art. {article}): {due} · {status}',
  'requests.cli.deadlinePending': 'not running yet',
  'requests.cli.history': 'History:',
  'requests.cli.gapsHead': 'Request {reference} still lacks:',
  'requests.cli.complete': 'Request {reference} lacks nothing: it can go for approval and be sent.',
  'requests.cli.document': 'Document written to {file} ({bytes} bytes): version {version}.',
  'requests.cli.documentDraft': 'Document written to {file} ({bytes} bytes): draft of version {version}, marked DRAFT.',
  'requests.cli.overdue': 'Overdue:',
  'requests.cli.day': 'Due within 24 hours:',
  'requests.cli.week': 'Due within 7 days:',
  'requests.cli.nothingDue': 'No deadline falls due in the next 7 days.',
  'requests.cli.due': '{due} · {request} ({case}) · {label} (art. {article})',
  'requests.cli.total':
    '{total, plural, =0 {No requests counted (drafts excluded).} one {# request counted (drafts excluded).} other {# requests counted (drafts excluded).}}',
  'requests.cli.jobs': 'Due jobs run: {count}.',
  'requests.cli.caseHead': 'Case {reference} ({org}): {title}',
  'requests.cli.conducts': 'Conducts: {list}',
  'requests.cli.offences': 'Offences: {list}',
  'requests.cli.summary': 'Summary ({lang}): {text}',
  'requests.cli.identifiers': 'Identifiers:',
  'requests.cli.persons': 'Persons:',
  'requests.cli.identifierAdded': 'Identifier added to case {reference} (id {id}).',
  'requests.cli.personAdded': 'Person added to case {reference} (id {id}).',
  'field.requests.cli.file_unreadable': 'The file cannot be read.',
  'field.requests.cli.json_invalid': 'The file does not hold a valid JSON object.',
  'field.requests.cli.incoming_only': 'An imported file registers an incoming request: "direction" must be absent or "incoming".',
  'field.requests.cli.content_pair': 'Write the content as id=text.',
  'field.requests.cli.out_exists': 'The file exists; use --force to replace it.',
  // i17-validation: what a request's gaps mean in its state
  'requests.cli.gaps.pending_approval.complete': 'Request {reference} lacks nothing: it can be approved, then sent.',
  'requests.cli.gaps.pending_approval.lacks':
    'Request {reference} awaits approval but lacks the following; it cannot be approved as it stands (return it to draft to complete it):',
  'requests.cli.gaps.approved.complete': 'Request {reference} lacks nothing: it can be sent.',
  'requests.cli.gaps.approved.lacks':
    'Request {reference} is approved but lacks the following; it cannot be sent as it stands (an approved request cannot be edited: withdraw it and draft another):',
  'requests.cli.gaps.sent.complete': 'Request {reference} was sent on {at} (state {state}); by today’s knowledge base it lacks nothing.',
  'requests.cli.gaps.sent.lacks':
    'Request {reference} was already sent on {at} (state {state}). By today’s knowledge base it lacks the following; this no longer stops any step, but to supply it, edit the request (a new version is fixed) or send a follow-up request:',
  'requests.cli.gaps.closed.complete': 'Request {reference} is closed; by today’s knowledge base it lacks nothing.',
  'requests.cli.gaps.closed.lacks':
    'Request {reference} is closed; by today’s knowledge base it would lack the following (for the record only: it can no longer change):',
  'requests.cli.gaps.withdrawn.complete': 'Request {reference} was withdrawn before it was sent: it lacks nothing, but it will not be sent.',
  'requests.cli.gaps.withdrawn.lacks':
    'Request {reference} was withdrawn before it was sent; it lacks the following, which no longer stops anything since it will not be sent:',
  'requests.cli.gaps.incoming.complete': 'Incoming request {reference} (state {state}) holds everything its legal basis requires.',
  'requests.cli.gaps.incoming.lacks':
    'Incoming request {reference} (state {state}), as received, lacks what its legal basis requires; the requesting State can be asked to supply it:',
} as const satisfies Record<keyof typeof requestsCliEs, string>;
