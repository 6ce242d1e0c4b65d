/**
 * A catalog with the same keys as `T`, any text as values: what each language's catalog must be. A text may have a
 * `<key>_one` twin: i18next takes it when `count` is 1 in a language with a singular (English), so "1 message" need not
 * read "1 messages"; Chinese has one form.
 */
export type CatalogOf<T> = { readonly [K in keyof T]: T[K] extends string ? string : CatalogOf<T[K]> } & {
  readonly [K in keyof T as T[K] extends string ? `${K & string}_one` : never]?: string;
};

/** Dotted catalog keys, so a misspelt key is a type error. */
export type MessageKeys<T, Prefix extends string = ''> = { [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : MessageKeys<T[K], `${Prefix}${K}.`> }[keyof T & string];
