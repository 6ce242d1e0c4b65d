/** A catalog with the same keys as `T`, any text as values: what each language's catalog must be. */
export type CatalogOf<T> = { readonly [K in keyof T]: T[K] extends string ? string : CatalogOf<T[K]> };

/** Dotted catalog keys, so a misspelt key is a type error. */
export type MessageKeys<T, Prefix extends string = ''> = { [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : MessageKeys<T[K], `${Prefix}${K}.`> }[keyof T & string];
