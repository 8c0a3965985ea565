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

/** The two roles of the protocol (§1). */
export type Role = "operator" | "module";
/** Platforms a response may belong to. */
export type Platform = "vk" | "telegram";
/** `responses.status`. */
export type ResponseStatus = "pending" | "approved" | "rejected";
/** The kinds of event in the log. */
export type EventKind = "pending" | "approved" | "rejected";
