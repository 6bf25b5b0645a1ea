import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
// A string where a number belongs: TS2322.
const count: number = config.get("count") ?? "21";

export const doubled = count * 2;
