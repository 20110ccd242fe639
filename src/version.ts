// The version every program prints with -v, taken from package.json at build time.

import { version } from "../package.json";

export const VERSION: string = version;
