export function sliceOrder<T>(configs: readonly T[], round: number, slice: number): T[];
