// The Standard Schema v1 interface (https://standardschema.dev), declared
// here so the package depends on no validator library: Zod, Valibot, ArkType
// and others implement it, and `options.schema` accepts any of them
// (docs/api.md#schema). Re-exported by index.d.ts.

/**
 * A Standard Schema v1 validator (https://standardschema.dev): what Zod,
 * Valibot, ArkType and others implement. Declared here so skilift depends on
 * no validator library; any object (or function) with this `~standard`
 * property fits.
 *
 * @example
 * import { z } from "zod";
 * const Player = z.object({ coins: z.number().min(0) });
 * const store = new Store({ name: "players", schema: Player, defaultData: () => ({ coins: 0 }), backend });
 * // store is Store<{ coins: number }>
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  /** The `~standard` property. */
  interface Props<Input = unknown, Output = Input> {
    /** The version of the standard: 1. */
    readonly version: 1;
    /** The validator library's name. */
    readonly vendor: string;
    /**
     * Validates a value. skilift calls it synchronously on the result of
     * every action: a Promise answer is refused (`invalid_options`).
     */
    readonly validate: (value: unknown, options?: { readonly libraryOptions?: Record<string, unknown> } | undefined) => Result<Output> | Promise<Result<Output>>;
    /** The types the schema stands for (used for inference only). */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** What `validate` answers. */
  type Result<Output> = SuccessResult<Output> | FailureResult;
  /** The value is valid (skilift keeps the action's result, not `value`). */
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  /** The value is refused. */
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One problem, shown by `schema_validation_error` as `data.path: message`. */
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** A path segment given as an object. */
  interface PathSegment {
    readonly key: PropertyKey;
  }
  /** The input and output types of a schema. */
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  /** The input type of a schema. */
  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["input"];
  /** The output type of a schema: the data type `new Store({ schema })` infers. */
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["output"];
}

