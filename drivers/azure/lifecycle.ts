// Azure Blob lifecycle management is a storage-account policy set through the management plane
// (Azure Resource Manager), which a SAS or account key on the data plane cannot reach. So
// upgrant does not apply it: it prints the policy rule for the staging prefix, to apply by hand.
// Uncommitted blocks (a multipart upload never committed) need no rule: the service discards
// them after seven days.
import type { LifecycleDriver, LifecycleResult, LifecycleRule } from '../driver.js';

export const LIFECYCLE_RULE_NAME = 'upgrant-staging';

/** The management policy with upgrant's one rule (prefixMatch starts with the container name). */
export function azureLifecyclePolicy(container: string, rule: LifecycleRule) {
  return {
    rules: [
      {
        enabled: true,
        name: LIFECYCLE_RULE_NAME,
        type: 'Lifecycle',
        definition: {
          actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: rule.days } } },
          filters: { blobTypes: ['blockBlob'], prefixMatch: [`${container}/${rule.prefix}`] },
        },
      },
    ],
  };
}

export class AzureLifecycle implements LifecycleDriver {
  readonly #account: string;
  readonly #container: string;

  constructor(account: string, container: string) {
    this.#account = account;
    this.#container = container;
  }

  /** Implements LifecycleDriver.apply: nothing is sent; the result is the policy to apply. */
  apply(rule: LifecycleRule): Promise<LifecycleResult> {
    const instructions =
      `Azure sets lifecycle rules per storage account, on the management plane only. Save "policy" as policy.json, ` +
      `merge its rule into the account's current policy (az storage account management-policy show --account-name ${this.#account} --resource-group <group>; ` +
      `the create command replaces the whole policy), then: az storage account management-policy create --account-name ${this.#account} ` +
      `--resource-group <group> --policy @policy.json. Uncommitted blocks of abandoned multipart uploads are discarded by the service after 7 days.`;
    return Promise.resolve({ kind: 'manual', provider: 'azure', bucket: this.#container, policy: azureLifecyclePolicy(this.#container, rule), instructions });
  }
}
