import type { Kysely } from 'kysely';

/**
 * The cooperation workflow (issue #6): what a case holds beyond its reference, the requests made and
 * received under the instruments, their steps, frozen versions and deadlines, and the durable job
 * queue and in-app notifications that carry reminders. The ledger holds every step's proof.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('cases')
    .addColumn('conducts', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('cases')
    .addColumn('offences', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('cases')
    .addColumn('summary_es', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('cases')
    .addColumn('summary_en', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createTable('case_identifiers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    // For an IP address: the port and the moment it was seen, with its time zone (CGNAT needs all three).
    .addColumn('port', 'integer')
    .addColumn('observed_at', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_identifiers_case').on('case_identifiers').column('case_id').execute();
  await db.schema
    .createTable('case_persons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('case_persons_case').on('case_persons').column('case_id').execute();

  await db.schema
    .createTable('coop_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('measure', 'text', (c) => c.notNull())
    .addColumn('instrument', 'text')
    .addColumn('requesting_state', 'text', (c) => c.notNull())
    .addColumn('requested_state', 'text', (c) => c.notNull())
    .addColumn('requesting_authority', 'text')
    .addColumn('requested_authority', 'text')
    // The engine's ranked answer when the basis was chosen, and the knowledge-base version it used.
    .addColumn('basis', 'text')
    .addColumn('kb_version', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('urgency_justification', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('confidential', 'integer', (c) => c.notNull())
    .addColumn('no_notification', 'integer', (c) => c.notNull())
    .addColumn('languages', 'text', (c) => c.notNull())
    .addColumn('conducts', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('due_at', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('link_kind', 'text')
    .addColumn('drafted_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('answered_at', 'text')
    .addColumn('closed_at', 'text')
    .addUniqueConstraint('coop_requests_org_reference', ['org_id', 'reference'])
    .execute();
  await db.schema.createIndex('coop_requests_case').on('coop_requests').column('case_id').execute();
  await db.schema.createIndex('coop_requests_parent').on('coop_requests').column('parent_id').execute();
  await db.schema.createIndex('coop_requests_org_state').on('coop_requests').columns(['org_id', 'state']).execute();

  await db.schema
    .createTable('coop_request_steps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('coop_requests.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('grounds', 'text', (c) => c.notNull().defaultTo('[]'))
    .addUniqueConstraint('coop_request_steps_seq', ['request_id', 'seq'])
    .execute();

  // What was sent is frozen: a change after sending is a new version, never an edit.
  await db.schema
    .createTable('coop_request_versions')
    .addColumn('request_id', 'text', (c) => c.notNull().references('coop_requests.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('ledger_index', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('coop_request_versions_pk', ['request_id', 'version'])
    .execute();

  await db.schema
    .createTable('coop_deadlines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().references('coop_requests.id'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('article', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text')
    .addColumn('estimated', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .execute();
  // The dashboard's one query: an organisation's running deadlines in due order.
  await db.schema.createIndex('coop_deadlines_due').on('coop_deadlines').columns(['org_id', 'status', 'due_at']).execute();
  await db.schema.createIndex('coop_deadlines_request').on('coop_deadlines').column('request_id').execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('done_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at']).execute();
  await db.schema.createIndex('jobs_group').on('jobs').columns(['group_key', 'state']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .execute();
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'read_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'notifications',
    'jobs',
    'coop_deadlines',
    'coop_request_versions',
    'coop_request_steps',
    'coop_requests',
    'case_persons',
    'case_identifiers',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  for (const column of ['summary_en', 'summary_es', 'offences', 'conducts']) await db.schema.alterTable('cases').dropColumn(column).execute();
}
