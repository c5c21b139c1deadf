/** The roles of PRODUCT.md C4. A membership gives a user one or more of them in one organisation. */
export const ROLES = [
  'officer',
  'supervisor',
  'central_authority',
  'operator_24_7',
  'evidence_custodian',
  'csirt_analyst',
  'provider_responder',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** The organisation that runs the node, created at first start: its auditors see node-wide events. */
export const OPERATOR_ORGANISATION = 'operator';

export const ORGANISATION_KINDS = ['prosecution', 'central_authority', 'police', 'csirt', 'provider', 'operator', 'other'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

/**
 * What each permission needs, in one table: deny by default, so a permission no role lists is
 * nobody's. Every permission applies inside the organisation the user is acting in, never across.
 */
export const PERMISSIONS = {
  /** Create organisations on this node: admins of the operating organisation only (see OPERATOR_ONLY). */
  'organisations.create': ['admin'],
  /** Erase a person's data under data-protection law (crypto-shredding their ledger entries): the operator's admins only. */
  'ledger.erase': ['admin'],
  'users.read': ['admin', 'supervisor', 'auditor'],
  'users.manage': ['admin'],
  'audit.read': ['auditor'],
  /** Open a case (its creator is put on its access list). */
  'cases.create': ['officer', 'supervisor', 'central_authority', 'operator_24_7'],
  /** Grant and revoke need-to-know access to a case. */
  'cases.access.manage': ['supervisor'],
  'cases.access.read': ['supervisor', 'auditor'],
  /** Evidence: every one of these also needs the person on the case's access list. */
  'evidence.read': ['officer', 'supervisor', 'central_authority', 'operator_24_7', 'evidence_custodian', 'csirt_analyst'],
  'evidence.add': ['officer', 'supervisor', 'operator_24_7', 'evidence_custodian', 'csirt_analyst'],
  /** Download the content (a custody event), record custody steps, run a fixity check. */
  'evidence.handle': ['officer', 'supervisor', 'evidence_custodian'],
  'evidence.export': ['supervisor', 'central_authority', 'evidence_custodian'],
  /** Legal holds and the case's retention period. */
  'evidence.retention': ['supervisor', 'evidence_custodian'],
  'evidence.destroy': ['evidence_custodian'],
  /** Cooperation requests: every one of these also needs the person on the case's access list. */
  'requests.read': ['officer', 'supervisor', 'central_authority', 'operator_24_7'],
  /** Draft outgoing requests, edit a case's facts, identifiers and persons. */
  'requests.draft': ['officer', 'supervisor', 'central_authority', 'operator_24_7'],
  /** Approve a request someone else drafted (four eyes). */
  'requests.approve': ['supervisor', 'central_authority'],
  /** Send a request and record what the other side answered. */
  'requests.send': ['supervisor', 'central_authority', 'operator_24_7'],
  /** Register an incoming request and decide on it (execute, postpone, refuse with grounds). */
  'requests.register': ['central_authority', 'operator_24_7'],
  'requests.decide': ['supervisor', 'central_authority'],
  /** The organisation's request statistics (counts and times, no case content). */
  'requests.statistics': ['supervisor', 'central_authority', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

/** Permissions that also need the acting organisation to be the node's operator. */
export const OPERATOR_ONLY: ReadonlySet<Permission> = new Set(['organisations.create', 'ledger.erase']);

export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

/** The permissions a set of roles gives in an organisation. */
export function permissionsOf(roles: readonly Role[], operatorOrganisation: boolean): Set<Permission> {
  const granted = new Set<Permission>();
  for (const permission of ALL_PERMISSIONS) {
    if (OPERATOR_ONLY.has(permission) && !operatorOrganisation) continue;
    if ((PERMISSIONS[permission] as readonly Role[]).some((role) => roles.includes(role))) granted.add(permission);
  }
  return granted;
}
