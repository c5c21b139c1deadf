import type { identityCliEs } from './identity-cli.es.ts';

/** Identity cli strings (English). */
export const identityCliEn = {
  'identity.cli.erased.one':
    'The person’s data is erased: {count} ledger entry crypto-shredded (recorded in entry {index}); the account keeps nothing that identifies them.',
  'identity.cli.erased.other':
    'The person’s data is erased: {count} ledger entries crypto-shredded (recorded in entry {index}); the account keeps nothing that identifies them.',
  'identity.cli.orgCreated': 'Organisation “{id}” created: {name} ({kind}).',
  'identity.cli.noOrganisations': 'There are no organisations on this node.',
  'identity.cli.operator': '(runs the node)',
  'identity.cli.userAdded': '{email} is a member of {org} with the roles: {roles}.',
  'identity.cli.enrolmentLink': 'Send the person this one-time enrolment link; it is valid until {expires} and will not be shown again:',
  'identity.cli.alreadyEnrolled': '{email} already has an active account on this node: no enrolment link is needed.',
  'identity.cli.members': 'Members of {org}:',
  'identity.cli.noMembers': 'Organisation {org} has no members.',
  'identity.cli.status.invited': 'invited (not enrolled yet)',
  'identity.cli.status.active': 'active',
  'identity.cli.status.disabled': 'disabled',
  'identity.cli.rolesSet': 'Roles of {email} in {org}: {roles}. Their sessions in the organisation were ended.',
  'identity.cli.newLink': 'New enrolment link for {email} (the earlier one stops working), valid until {expires}:',
  'identity.cli.noEvents': 'No event matches.',
  'identity.cli.moreEvents': 'There are more events: repeat with --before {next}.',
  'field.identity.cli.not_member': 'Not a member of the organisation.',
} as const satisfies Record<keyof typeof identityCliEs, string>;
