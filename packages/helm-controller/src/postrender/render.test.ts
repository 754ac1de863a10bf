import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { postRender } from './render.ts';

const manifests = `---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.0}]
`;

describe('post-render', () => {
  it('applies patches, images, then commonMetadata (labels not on selectors)', async () => {
    const output = await postRender(manifests, {
      postRenderers: [
        {
          kustomize: {
            patches: [
              { target: { kind: 'Deployment' }, patch: '[{"op":"add","path":"/spec/replicas","value":3}]' },
            ],
            images: [{ name: 'nginx', newTag: '2.0' }],
          },
        },
      ],
      commonMetadata: { labels: { team: 'a' }, annotations: { owner: 'ops' } },
    });
    const [deployment] = parseAllDocuments(output).map((doc) => doc.toJS());
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(deployment.spec.template.spec.containers[0].image, 'nginx:2.0');
    assert.equal(deployment.metadata.labels.team, 'a');
    assert.equal(deployment.metadata.annotations.owner, 'ops');
    assert.deepEqual(deployment.spec.selector.matchLabels, { app: 'web' });
  });
});
