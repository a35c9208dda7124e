/**
 * Every case file registers itself on import (cases with `defineCases`, studies with
 * `defineStudies`); add new families here.
 */
import './matmul.js';
import './conv2d.js';
import './training.js';
import '../studies/loader.js';
import '../studies/webgpu.js';
