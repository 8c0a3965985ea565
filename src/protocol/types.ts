/**
 * Branded scalar types shared by every layer, so the compiler keeps ids,
 * sequence numbers and rendered HTML apart.
 * @module
 */

/** Position in the event log: integer ≥ 0, contiguous from 1. */
export type Seq = number & { readonly __brand: "Seq" };
/** `responses.id`. */
export type ResponseId = number & { readonly __brand: "ResponseId" };
/** HTML produced by the template engine with autoescaping. */
export type SafeHtml = string & { readonly __brand: "SafeHtml" };

/** Marks a number as a `Seq`. */
export const asSeq = (n: number): Seq => n as Seq;
/** Marks a number as a `ResponseId`. */
export const asResponseId = (n: number): ResponseId => n as ResponseId;
/** Marks a string as HTML that was escaped by the renderer. */
export const asSafeHtml = (s: string): SafeHtml => s as SafeHtml;

/** The roles of the protocol (§1). */
export const ROLES = ["operator", "admin", "module"] as const;
/** A role of the protocol (§1): `admin` may do everything an operator may, and more. */
export type Role = typeof ROLES[number];

/**
 * Whether a role reviews responses (operators and admins: they decide, claim, see presence).
 * @param role the role
 * @returns true for `operator` and `admin`
 */
export const isReviewer = (role: Role | null): boolean => role === "operator" || role === "admin";
/** Platforms a response may belong to. */
export type Platform = "vk" | "telegram";
/** `responses.status`. */
export type ResponseStatus = "pending" | "approved" | "rejected";
/** The kinds of event in the log. */
export type EventKind =
  | "pending"
  | "approved"
  | "rejected"
  | "claimed"
  | "released"
  | import("./publication_frames.ts").PublicationEventKind;
