import { beforeAll, describe, it } from 'vitest';
import { runConformanceSuite } from '@soma/testing';
import '@soma/backend-webgpu';

runConformanceSuite('webgpu', { describe, it, beforeAll });
