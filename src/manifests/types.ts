import type { FreezeWindow, Lock, OnFailure, OnRevert, Policy } from '../policy/index.ts';

/** A repository file as read from Git (path relative to the repo root, POSIX separators). */
export interface SourceFile {
  path: string;
  text: string;
}

export type SlotKind = 'container' | 'kustomize' | 'helm' | 'marker';

/**
 * Which part of the image reference one scalar holds. `name` is the repository (with its host
 * unless a separate `registry` field holds the host, as some Helm charts do).
 */
export type FieldPart = 'ref' | 'registry' | 'name' | 'tag' | 'digest';

/** One YAML scalar that holds (part of) an image reference. */
export interface SlotField {
  part: FieldPart;
  /** Offsets into the file text of the scalar's source, quotes included. */
  start: number;
  end: number;
  /** The scalar's value as parsed. */
  value: string;
}

/** One place in one file holding an image reference, and how to update it. */
export interface ImageSlot {
  file: string;
  /** 1-based line of the slot's first field. */
  line: number;
  kind: SlotKind;
  /** `namespace:kind/name` for workload slots. */
  workload?: string;
  container?: string;
  /** The full reference the slot currently denotes: `[host/]path[:tag][@digest]`. */
  image: string;
  /** How to choose the next tag; undefined when the slot is not automated. */
  policy?: Policy;
  /**
   * The repository a named policy follows (`policies.*.image`, or a Flux ImagePolicy's
   * ImageRepository), when a marker names one: tags are asked there, not where the fields point.
   * `name`: a marked field names the image (a whole-reference or `:name` marker), so the image is
   * written with that repository, as Flux writes it; otherwise only tag and digest follow it.
   */
  follows?: { repository: string; name: boolean };
  /** The workload's lock, else the slot's own (`tagpilot.io/locked.<container>`). */
  lock: Lock;
  /** `tagpilot.io/on-revert[.<container>]`; undefined: the config's default (reject). */
  onRevert?: OnRevert;
  /** The workload's `tagpilot.io/on-failure`; undefined: the automation's default. */
  onFailure?: OnFailure;
  /** The workload's `tagpilot.io/freeze` windows. */
  freeze?: FreezeWindow[];
  fields: SlotField[];
}

/** Problems are the one coded shape of src/problems; manifests always fill `file`. */
export type { Notice, Problem } from '../problems/index.ts';

/**
 * Set a slot to a new full image reference: each part (registry, name, tag, digest) the slot
 * keeps in a field of its own is set to its part of `image`. `kind` may be left out.
 */
export interface ImageEdit {
  kind?: 'image';
  slot: ImageSlot;
  image: string;
}

/** Which object of a file: by kind and `metadata.name`; either may be left out while one object still matches. */
export interface ObjectSelector {
  kind?: string;
  name?: string;
}

/** Set one annotation of one object to `value`, or remove it (`null`). */
export interface AnnotationEdit {
  kind: 'annotation';
  file: string;
  object: ObjectSelector;
  key: string;
  value: string | null;
}

/** One byte-exact, verified change to a manifest file. */
export type Edit = ImageEdit | AnnotationEdit;

/** A policy known by name, as Flux v2 `$imagepolicy` markers refer to them (`namespace:name`). */
export interface NamedPolicy {
  policy: Policy;
  /** The repository the policy follows, when known: needed when a marker holds only a tag. */
  image?: string;
}

export interface FindOptions {
  /** Named policies from the configuration, by `namespace:name`; they win over ImagePolicy objects in the repo. */
  namedPolicies?: ReadonlyMap<string, NamedPolicy>;
  /** Files longer than this (in UTF-16 code units of their text) are skipped; default MAX_FILE_BYTES. */
  maxFileBytes?: number;
}
