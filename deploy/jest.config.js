module.exports = require('../tools/jest.preset.js').preset('deploy', __dirname);
